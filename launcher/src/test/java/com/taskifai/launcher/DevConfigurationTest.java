package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dev configuration without servers: what the environment says is read once into {@link
 * DevSettings} (bad values refused with the key to fix), and {@link DevConfiguration} renders the
 * optional parts (second server, demo, traces, the apps' pass-through settings, given master keys)
 * to dev.env and to each process.
 */
class DevConfigurationTest {
  private static final Path HOME = Path.of("/tmp/taskifai-dev-configuration-test");

  private static DevConfiguration configuration(
      Map<String, String> env, boolean up, DevConfiguration.Demo demo) {
    DevSettings settings = DevSettings.fromEnvironment(env, up);
    return new DevConfiguration(
        settings,
        HOME,
        new DevDatabases.Database(
            "jdbc:postgresql://127.0.0.1:15432/postgres",
            "postgres",
            "admin-pw",
            "jdbc:postgresql://127.0.0.1:15432/taskifai",
            "platform-pw"),
        "127.0.0.1:7233",
        "http://localhost:8233",
        false,
        "127.0.0.1",
        3025,
        up ? "127.0.0.1:3025" : null,
        Map.of(
            "OTEL_TRACES_EXPORTER",
            "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://127.0.0.1:4318",
            TraceViewer.TRACES_URL,
            "http://127.0.0.1:16686"),
        null,
        "tenant-secret",
        "admin-secret",
        "dev-admin-pw",
        "TOTP",
        new DevDatabases.SecondServer(
            "local-2",
            "eu-west",
            17,
            "jdbc:postgresql://127.0.0.1:15433/postgres",
            "postgres",
            "pw2"),
        demo);
  }

  @Test
  void rendersTheOptionalPartsToDevEnvInTheirOrder() {
    DevConfiguration config =
        configuration(
            Map.of(),
            false,
            new DevConfiguration.Demo("http://demo.localhost:8081", "demo@x.test", "demo-pw"));
    List<String> keys = List.copyOf(config.devEnv().keySet());
    // The second server first (it starts before the rest is known), the demo tenant last.
    assertThat(keys.subList(0, 6))
        .containsExactly(
            "TASKIFAI_DEV_SERVER2_ID",
            "TASKIFAI_DEV_SERVER2_REGION",
            "TASKIFAI_DEV_SERVER2_VERSION",
            "TASKIFAI_DEV_SERVER2_URL",
            "TASKIFAI_DEV_SERVER2_ADMIN_USER",
            "TASKIFAI_DEV_SERVER2_ADMIN_PASSWORD");
    assertThat(keys.subList(keys.size() - 3, keys.size()))
        .containsExactly("TASKIFAI_DEMO_URL", "TASKIFAI_DEMO_EMAIL", "TASKIFAI_DEMO_PASSWORD");
    assertThat(config.devEnv())
        .containsEntry("TASKIFAI_DEV_SERVER2_VERSION", "17")
        .containsEntry("TASKIFAI_TEMPORAL_UI_URL", "http://localhost:8233")
        .containsEntry(TraceViewer.TRACES_URL, "http://127.0.0.1:16686")
        .containsEntry("TASKIFAI_ADMIN_URL", "http://localhost:8080")
        .containsEntry("TASKIFAI_ADMIN_MANAGEMENT_PORT", "9180")
        .doesNotContainKey("TASKIFAI_ROUTER2_URL");
    assertThat(config.devEnvNotes()).isEmpty();
    assertThat(DevBanner.of(config, Map.of(), null, null))
        .contains("Admin portal + API   http://localhost:8080")
        .contains("http://127.0.0.1:9180/actuator/prometheus (admin API)")
        .doesNotContain("Demo tenant");
  }

  @Test
  void passesTheAppsSettingsAndGivenKeysOnAsProperties() {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_FAULT_INJECTION", "true");
    env.put("TASKIFAI_LOG_LEVEL", "DEBUG");
    env.put("TASKIFAI_COST_CURRENCY", "USD");
    env.put("TASKIFAI_MASTER_KEYS", "k1:AAAA");
    env.put("TASKIFAI_USAGE_FLUSH_INTERVAL", "PT1S");
    DevConfiguration config = configuration(env, false, null);
    Map<String, Object> api = config.apiProperties("ns");
    assertThat(api)
        .containsEntry("taskifai.fault-injection", "true")
        .containsEntry("logging.level.root", "DEBUG")
        .containsEntry("taskifai.costs.currency", "USD")
        .containsEntry("taskifai.master-keys", "k1:AAAA")
        .containsEntry("taskifai.usage.flush-interval", "PT1S")
        .containsEntry("taskifai.temporal.namespace", "ns")
        .containsEntry("taskifai.traces.url", "http://127.0.0.1:16686")
        .containsEntry("OTEL_SERVICE_NAME", TraceViewer.serviceOf("api"))
        .doesNotContainKey("taskifai.master-keys-file");
    assertThat(config.routerProperties())
        .containsEntry("OTEL_SERVICE_NAME", TraceViewer.serviceOf("router"))
        .containsEntry("taskifai.tenant-jwt-secret", "tenant-secret")
        .doesNotContainKey("taskifai.admin-jwt-secret");
    // Keys given: no key file is named for the processes.
    assertThat(config.platformEnv()).doesNotContainKey("TASKIFAI_MASTER_KEYS_FILE");
    assertThat(configuration(Map.of(), false, null).platformEnv())
        .containsEntry("TASKIFAI_MASTER_KEYS_FILE", HOME.resolve("master.keys").toString());
  }

  @Test
  void upAddsTheSecondRouterAndTheWorkersPortsWithTheirDefaults() {
    DevConfiguration config = configuration(Map.of(), true, null);
    assertThat(config.devEnv())
        .containsEntry("TASKIFAI_ROUTER2_PORT", "8082")
        .containsEntry("TASKIFAI_ROUTER2_MANAGEMENT_PORT", "9182")
        .containsEntry("TASKIFAI_WORKER_MANAGEMENT_PORT", "9183")
        .containsEntry("TASKIFAI_WORKER2_MANAGEMENT_PORT", "9184")
        .containsEntry("TASKIFAI_ROUTER2_URL", "http://localhost:8082");
    // up without TASKIFAI_TEMPORAL runs on the Temporal CLI's server, and says so to every process.
    assertThat(config.children())
        .allSatisfy(c -> assertThat(c.env()).containsEntry("TASKIFAI_TEMPORAL", "cli"));
    assertThat(configuration(Map.of(), false, null).platformEnv())
        .doesNotContainKey("TASKIFAI_TEMPORAL");
  }

  @Test
  void refusesABadValueNamingItsKey() {
    assertThatThrownBy(() -> DevSettings.fromEnvironment(Map.of("TASKIFAI_PG_PORT", "x"), false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("TASKIFAI_PG_PORT must be a port number, got 'x'");
    assertThatThrownBy(
            () -> DevSettings.fromEnvironment(Map.of("TASKIFAI_ROUTER2_PORT", "80a"), true))
        .hasMessageContaining("TASKIFAI_ROUTER2_PORT must be a port number");
    // dev has no second router: its port is not read.
    assertThat(DevSettings.fromEnvironment(Map.of("TASKIFAI_ROUTER2_PORT", "80a"), false).upPorts())
        .isEmpty();
    assertThatThrownBy(
            () -> DevSettings.fromEnvironment(Map.of("TASKIFAI_DEV_SERVERS", "3"), false))
        .hasMessage("TASKIFAI_DEV_SERVERS must be 1 or 2, got '3'");
    // A real SMTP server defaults to port 25, the embedded one to 3025; blank counts as unset.
    assertThat(
            DevSettings.fromEnvironment(Map.of("TASKIFAI_SMTP_HOST", "mail.x"), false).smtpPort())
        .isEqualTo(25);
    assertThat(DevSettings.fromEnvironment(Map.of("TASKIFAI_SMTP_HOST", " "), false).smtpHost())
        .isNull();
  }
}
