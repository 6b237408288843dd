package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.routing.tenancy.SchemaVersionGate;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tenant whose database is at a schema version this router does not support (a rollout has not
 * reached it, or went past this release) answers 503 with Retry-After, never a 500; back in the
 * range it is served again at once.
 */
class SchemaVersionTest {
  static RouterApp app;
  static TenantFixture fixture;

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
  }

  @Test
  void aTenantOutsideTheSupportedRangeAnswers503WithRetryAfterAndIsCounted() {
    SchemaVersionGate gate = app.bean(SchemaVersionGate.class);
    assertThat(gate.min()).isEqualTo("1");
    assertThat(gate.max()).as("the newest shipped migration").isNotBlank();
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("schema"));
    String host = t.subdomain() + ".localhost";
    String token = app.signInAdmin(t);
    assertThat(app.get(host, "/api/me", token).status()).isEqualTo(200);

    var fleet = fixture.registry.fleetMigrations();
    fleet.recordSchemaVersion(t.id(), gate.max());
    assertThat(statusWithin(host, token, 200)).isTrue();

    fleet.recordSchemaVersion(t.id(), "99999");
    assertThat(statusWithin(host, token, 503)).isTrue();
    RouterApp.Response ahead = app.get(host, "/api/me", token);
    assertThat(ahead.status()).isEqualTo(503);
    assertThat(ahead.header("Retry-After")).isEqualTo("30");
    assertThat(ahead.body()).contains("schema_version_unsupported").contains("99999");
    // The sign-in flow is refused the same way: no query can reach a database it does not know.
    assertThat(app.get(host, "/api/auth/login", null).status()).isEqualTo(503);
    double counted =
        app.bean(MeterRegistry.class)
            .get("taskifai.router.schema.unsupported")
            .tag("direction", "ahead")
            .counter()
            .count();
    assertThat(counted).isGreaterThanOrEqualTo(2);

    fleet.recordSchemaVersion(t.id(), "0");
    assertThat(statusWithin(host, token, 503)).isTrue();
    assertThat(app.get(host, "/api/me", token).header("Retry-After")).isEqualTo("30");

    fleet.recordSchemaVersion(t.id(), "1");
    assertThat(statusWithin(host, token, 200)).isTrue();
  }

  @Test
  void theRangeSettingIsCheckedAndOrdersVersionsAsNumbers() {
    assertThatThrownBy(() -> SchemaVersionGate.parse("5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<min>..<max>");
    String[] range = SchemaVersionGate.parse("2..10");
    assertThat(range).containsExactly("2", "10");
    assertThat(SchemaVersionGate.compare("9", "10")).isNegative();
    assertThat(SchemaVersionGate.compare("2.1", "2")).isPositive();
  }

  private static boolean statusWithin(String host, String token, int status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      if (app.get(host, "/api/me", token).status() == status) {
        return true;
      }
    }
    return false;
  }
}
