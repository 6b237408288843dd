package com.taskifai.registry.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.settings.ProductionSettings.Process;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProductionSettingsTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  /** A complete production configuration for every process. */
  private static Map<String, String> complete() {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_ENV", "production");
    env.put(
        "TASKIFAI_DB_URL",
        "jdbc:postgresql://db:5432/taskifai?sslmode=verify-full&sslrootcert=/run/secrets/db-ca.pem");
    env.put("TASKIFAI_DB_PASSWORD", "pw");
    env.put("TASKIFAI_DB_ADMIN_USER", "postgres");
    env.put("TASKIFAI_MASTER_KEYS_FILE", "/run/secrets/master.keys");
    env.put("TASKIFAI_ADMIN_JWT_SECRET", SECRET);
    env.put("TASKIFAI_TENANT_JWT_SECRET", SECRET);
    env.put("TASKIFAI_RECOVER_WORKFLOWS", "false");
    env.put("TASKIFAI_TEMPORAL_TARGET", "temporal:7233");
    env.put("TASKIFAI_TEMPORAL_NAMESPACE", "taskifai");
    env.put("TASKIFAI_TEMPORAL_TLS_CA_FILE", "/run/secrets/temporal-ca.pem");
    env.put("TASKIFAI_DNS_PROVIDER", "route53");
    env.put("TASKIFAI_SMTP_HOST", "smtp.example.com");
    env.put("TASKIFAI_SMTP_TLS", "starttls");
    env.put("TASKIFAI_SMTP_USERNAME", "mailer");
    env.put("TASKIFAI_SMTP_PASSWORD", "secret");
    return env;
  }

  private static void refused(Map<String, String> env, Process p, String setting) {
    assertThatThrownBy(() -> ProductionSettings.check(env, p))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(setting);
  }

  @Test
  void aCompleteProductionConfigurationStartsEveryProcess() {
    for (Process p : Process.values()) {
      assertThatCode(() -> ProductionSettings.check(complete(), p)).doesNotThrowAnyException();
    }
  }

  @Test
  void onlyAProcessThatSaysDevSkipsTheChecks() {
    for (Process p : Process.values()) {
      assertThat(ProductionSettings.problems(Map.of("TASKIFAI_ENV", "dev"), p)).isEmpty();
      assertThat(ProductionSettings.problems(Map.of("TASKIFAI_ENV", "Development"), p)).isEmpty();
    }
    assertThat(ProductionSettings.isProduction(Map.of("TASKIFAI_ENV", "prod"))).isTrue();
    assertThat(ProductionSettings.isProduction(Map.of("TASKIFAI_ENV", "staging"))).isTrue();
  }

  @Test
  void aForgottenTaskifaiEnvIsProductionAndSaysHowToMarkADevProcess() {
    for (Process p : Process.values()) {
      Map<String, String> env = complete();
      env.remove("TASKIFAI_ENV");
      assertThatCode(() -> ProductionSettings.check(env, p)).doesNotThrowAnyException();
      assertThat(ProductionSettings.problems(Map.of(), p)).as(p.name()).isNotEmpty();
      assertThat(ProductionSettings.problems(Map.of("TASKIFAI_ENV", " "), p)).isNotEmpty();
    }
    assertThatThrownBy(() -> ProductionSettings.check(Map.of(), Process.WORKER))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TASKIFAI_ENV is unset, which means production")
        .hasMessageContaining("TASKIFAI_ENV=dev")
        .hasMessageContaining("TASKIFAI_DB_URL must be set");
  }

  @Test
  void temporalWithoutTlsIsRefusedUnlessAPrivateNetworkIsAllowedOnPurpose() {
    for (Process p : new Process[] {Process.WORKER, Process.ADMIN_API}) {
      Map<String, String> env = complete();
      env.remove("TASKIFAI_TEMPORAL_TLS_CA_FILE");
      refused(env, p, "Temporal without TLS is refused");
      refused(env, p, "TASKIFAI_TEMPORAL_ALLOW_PLAIN=true");
      env.put("TASKIFAI_TEMPORAL_TLS", "false");
      refused(env, p, "Temporal without TLS");

      for (Map.Entry<String, String> tls :
          Map.of(
                  "TASKIFAI_TEMPORAL_TLS", "true",
                  "TASKIFAI_TEMPORAL_TLS_CERT_FILE", "/run/secrets/client.pem",
                  "TASKIFAI_TEMPORAL_API_KEY", "key",
                  "TASKIFAI_TEMPORAL_ALLOW_PLAIN", "TRUE")
              .entrySet()) {
        Map<String, String> with = complete();
        with.remove("TASKIFAI_TEMPORAL_TLS_CA_FILE");
        with.put(tls.getKey(), tls.getValue());
        assertThat(ProductionSettings.problems(with, p)).as(tls.getKey()).isEmpty();
      }
    }
    // The router does not speak to Temporal.
    Map<String, String> router = complete();
    router.remove("TASKIFAI_TEMPORAL_TLS_CA_FILE");
    assertThat(ProductionSettings.problems(router, Process.ROUTER)).isEmpty();
  }

  @Test
  void jwtSecretsHaveNoRandomFallback() {
    Map<String, String> env = complete();
    env.remove("TASKIFAI_ADMIN_JWT_SECRET");
    refused(env, Process.ADMIN_API, "TASKIFAI_ADMIN_JWT_SECRET");
    env.put("TASKIFAI_ADMIN_JWT_RSA_KEY_FILE", "/run/secrets/admin.pem");
    assertThatCode(() -> ProductionSettings.check(env, Process.ADMIN_API))
        .doesNotThrowAnyException();

    Map<String, String> router = complete();
    router.remove("TASKIFAI_TENANT_JWT_SECRET");
    refused(router, Process.ROUTER, "TASKIFAI_TENANT_JWT_SECRET");
    router.put("TASKIFAI_TENANT_JWT_SECRET", "short");
    refused(router, Process.ROUTER, "TASKIFAI_TENANT_JWT_SECRET must be at least 32");
  }

  @Test
  void masterKeysComeFromAFile() {
    Map<String, String> env = complete();
    env.remove("TASKIFAI_MASTER_KEYS_FILE");
    for (Process p : Process.values()) {
      refused(env, p, "TASKIFAI_MASTER_KEYS_FILE");
    }
    env.put("TASKIFAI_MASTER_KEYS", "k1:AAAA");
    refused(env, Process.WORKER, "TASKIFAI_MASTER_KEYS (inline keys) is refused");
  }

  @Test
  void dnsProviderIsExplicitAndReal() {
    Map<String, String> env = complete();
    env.remove("TASKIFAI_DNS_PROVIDER");
    refused(env, Process.WORKER, "TASKIFAI_DNS_PROVIDER must be set");
    env.put("TASKIFAI_DNS_PROVIDER", "local");
    refused(env, Process.WORKER, "TASKIFAI_DNS_PROVIDER=local");
  }

  @Test
  void smtpNeedsTlsAndAuthenticationUnlessPlainIsAllowedOnPurpose() {
    Map<String, String> env = complete();
    env.put("TASKIFAI_SMTP_TLS", "none");
    refused(env, Process.WORKER, "TASKIFAI_SMTP_TLS");
    env.put("TASKIFAI_SMTP_TLS", "smtps");
    env.remove("TASKIFAI_SMTP_USERNAME");
    refused(env, Process.WORKER, "TASKIFAI_SMTP_USERNAME");
    env.remove("TASKIFAI_SMTP_PASSWORD");
    refused(env, Process.WORKER, "TASKIFAI_SMTP_PASSWORD");
    env.remove("TASKIFAI_SMTP_HOST");
    refused(env, Process.WORKER, "TASKIFAI_SMTP_HOST");

    Map<String, String> plain = complete();
    plain.put("TASKIFAI_SMTP_TLS", "none");
    plain.remove("TASKIFAI_SMTP_USERNAME");
    plain.remove("TASKIFAI_SMTP_PASSWORD");
    plain.put("TASKIFAI_SMTP_ALLOW_PLAIN", "true");
    assertThatCode(() -> ProductionSettings.check(plain, Process.WORKER))
        .doesNotThrowAnyException();
  }

  @Test
  void devOnlySwitchesAreRefused() {
    Map<String, String> env = complete();
    env.put("TASKIFAI_FAULT_INJECTION", "true");
    refused(env, Process.ADMIN_API, "TASKIFAI_FAULT_INJECTION");
    refused(env, Process.WORKER, "TASKIFAI_FAULT_INJECTION");

    Map<String, String> dev = complete();
    dev.put("TASKIFAI_DEV", "true");
    refused(dev, Process.ADMIN_API, "TASKIFAI_DEV");

    Map<String, String> recovery = complete();
    recovery.put("TASKIFAI_RECOVER_WORKFLOWS", "true");
    refused(recovery, Process.ADMIN_API, "TASKIFAI_RECOVER_WORKFLOWS");

    Map<String, String> embedded = complete();
    embedded.put("TASKIFAI_TEMPORAL_EMBEDDED", "true");
    refused(embedded, Process.WORKER, "TASKIFAI_TEMPORAL_EMBEDDED");

    Map<String, String> heartbeats = complete();
    heartbeats.put("TASKIFAI_WORKER_HEARTBEAT_TIMEOUT", "PT5S");
    refused(heartbeats, Process.WORKER, "TASKIFAI_WORKER_HEARTBEAT_TIMEOUT");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    Map<String, String> env = Map.of("TASKIFAI_ENV", "production");
    assertThat(ProductionSettings.problems(env, Process.WORKER))
        .anyMatch(p -> p.startsWith("TASKIFAI_DB_URL"))
        .anyMatch(p -> p.startsWith("TASKIFAI_MASTER_KEYS_FILE"))
        .anyMatch(p -> p.startsWith("TASKIFAI_DNS_PROVIDER"))
        .anyMatch(p -> p.startsWith("TASKIFAI_SMTP_TLS"));
  }
}
