package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.providers.SupabaseSettings;
import com.taskifai.registry.settings.ProductionSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A server's TLS settings as its URL gives them, what production refuses, and the Supabase TLS
 * setting: the rules every connection to a database server follows.
 */
class DatabaseTlsTest {
  private static final String VERIFIED =
      "jdbc:postgresql://db.example.com:5432/postgres?sslmode=verify-full&sslrootcert=/etc/ca.pem";

  @Test
  void theClientProgramsGetTheModeAndRootCertificateOfTheUrl() {
    assertThat(DatabaseTls.clientEnvironment(VERIFIED))
        .containsExactly(
            Map.entry("PGSSLMODE", "verify-full"), Map.entry("PGSSLROOTCERT", "/etc/ca.pem"));
    // The JDBC driver's ssl=true means verify-full; no setting means prefer, for both.
    assertThat(DatabaseTls.clientEnvironment("jdbc:postgresql://h/db?ssl=true"))
        .containsExactly(Map.entry("PGSSLMODE", "verify-full"));
    assertThat(DatabaseTls.clientEnvironment("jdbc:postgresql://h:5433/db"))
        .containsExactly(Map.entry("PGSSLMODE", "prefer"));
    assertThat(
            DatabaseTls.clientEnvironment(
                "jdbc:postgresql://h/db?prepareThreshold=0&sslmode=require&sslrootcert=%2Fa%20b.pem"))
        .containsExactly(Map.entry("PGSSLMODE", "require"), Map.entry("PGSSLROOTCERT", "/a b.pem"));
  }

  @Test
  void productionRefusesAServerElsewhereWithoutVerifyFullUnlessOnAPrivateNetwork() {
    assertThat(DatabaseTls.productionProblem(VERIFIED, false)).isEmpty();
    assertThat(DatabaseTls.productionProblem("jdbc:postgresql://db.example.com/postgres", false))
        .get()
        .asString()
        .contains("sslmode=prefer")
        .contains("sslmode=verify-full&sslrootcert=");
    assertThat(
            DatabaseTls.productionProblem(
                "jdbc:postgresql://10.0.0.5/postgres?sslmode=verify-ca", false))
        .isPresent();
    assertThat(DatabaseTls.productionProblem("jdbc:postgresql://10.0.0.5/postgres", true))
        .isEmpty();
    for (String local :
        new String[] {
          "jdbc:postgresql://localhost:5432/p",
          "jdbc:postgresql://127.0.0.1/p",
          "jdbc:postgresql://[::1]:5432/p"
        }) {
      assertThat(DatabaseTls.productionProblem(local, false)).as(local).isEmpty();
    }
  }

  @Test
  void aProductionPlatformDatabaseElsewhereNeedsVerifyFullOrThePrivateNetworkMark() {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_ENV", "production");
    env.put("TASKIFAI_DB_URL", "jdbc:postgresql://postgresql:5432/taskifai");
    assertThat(ProductionSettings.problems(env, ProductionSettings.Process.ROUTER))
        .anyMatch(p -> p.startsWith("TASKIFAI_DB_URL connects with sslmode=prefer"));
    env.put(ProductionSettings.DB_PRIVATE_NETWORK, "true");
    assertThat(ProductionSettings.problems(env, ProductionSettings.Process.ROUTER))
        .noneMatch(p -> p.startsWith("TASKIFAI_DB_URL"));
    env.put("TASKIFAI_SUPABASE_SSLMODE", "require");
    assertThat(ProductionSettings.problems(env, ProductionSettings.Process.WORKER))
        .anyMatch(p -> p.startsWith("TASKIFAI_SUPABASE_SSLMODE=require is refused"));
    // A Spring process passes the mark under its property name.
    Map<String, String> properties =
        Map.of(
            "TASKIFAI_ENV", "taskifai.env",
            "TASKIFAI_DB_URL", "taskifai.db.url");
    Map<String, String> spring =
        Map.of(
            "taskifai.env", "production",
            "taskifai.db.url", "jdbc:postgresql://postgresql:5432/taskifai",
            "taskifai.db.private-network", "true");
    assertThatThrownBy(
            () ->
                ProductionSettings.check(
                    properties, spring::get, ProductionSettings.Process.ROUTER))
        .isInstanceOf(IllegalStateException.class)
        .message()
        .doesNotContain("TASKIFAI_DB_URL connects");
  }

  @Test
  void supabaseConnectionsVerifyTheProvidersCertificateByDefault() {
    SupabaseSettings defaults = SupabaseSettings.fromEnvironment(Map.of());
    assertThat(defaults.sslMode()).isEqualTo("verify-full");
    assertThat(defaults.tlsParameters()).isEqualTo("sslmode=verify-full");
    SupabaseSettings withCa =
        SupabaseSettings.fromEnvironment(
            Map.of("TASKIFAI_SUPABASE_CA_FILE", "/run/secrets/supabase ca.crt"));
    assertThat(withCa.tlsParameters())
        .isEqualTo("sslmode=verify-full&sslrootcert=%2Frun%2Fsecrets%2Fsupabase+ca.crt");
    assertThat(
            DatabaseTls.clientEnvironment(
                "jdbc:postgresql://db.abc.supabase.co:5432/postgres?" + withCa.tlsParameters()))
        .containsEntry("PGSSLROOTCERT", "/run/secrets/supabase ca.crt");
    assertThatThrownBy(
            () -> SupabaseSettings.fromEnvironment(Map.of("TASKIFAI_SUPABASE_SSLMODE", "on")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TASKIFAI_SUPABASE_SSLMODE must be one of verify-full");
  }
}
