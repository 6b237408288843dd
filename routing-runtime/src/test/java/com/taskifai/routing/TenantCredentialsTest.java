package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.tenancy.TenantPools;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The router serves a tenant only with the credentials stored for it, on a server that checks them:
 * when they no longer open the tenant's database, the tenant answers 503 (never 500), one log line
 * says why without the secret, and the metrics and the health group {@code tenants} name the tenant
 * until its credentials work again.
 */
class TenantCredentialsTest {
  static RouterApp app;
  static TenantFixture fixture;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
  }

  @BeforeEach
  void captureLog() {
    log.start();
    ((Logger) LoggerFactory.getLogger(TenantPools.class)).addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    ((Logger) LoggerFactory.getLogger(TenantPools.class)).detachAppender(log);
  }

  @Test
  void aRolePasswordChangedInPostgresTurnsTheTenantTo503UntilTheStoredOneWorksAgain()
      throws Exception {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("pwchg"));
    String host = t.subdomain() + ".localhost";
    String token = app.signInAdmin(t);
    assertThat(app.get(host, "/api/me", token).status()).isEqualTo(200);
    String stored = storedPassword(t);

    // The role's password changes behind the platform's back; open sessions end.
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "ALTER ROLE " + t.appRole() + " PASSWORD 'changed-behind-our-back'",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"
            + t.appRole()
            + "'");
    Thread.sleep(700); // past HikariCP's alive-bypass window: it checks the dead idle connection

    RouterApp.Response refused = app.get(host, "/api/me", token);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.json().get("error").asString()).isEqualTo("unavailable");
    assertThat(refused.header("Retry-After")).isNotNull();
    // Within the retry pause the router answers at once, without asking the server again.
    long started = System.nanoTime();
    assertThat(app.get(host, "/api/me", token).status()).isEqualTo(503);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));

    assertThat(errorLines(t))
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .contains("refuses the stored credentials of role " + t.appRole())
                    .doesNotContain(stored)
                    .doesNotContain("changed-behind-our-back"));
    JsonNode failing = tenantsHealth().get(t.id().toString());
    assertThat(failing).isNotNull();
    assertThat(failing.get("reason").asString()).isEqualTo("refused");
    assertThat(prometheus())
        .containsPattern(
            "taskifai_tenant_credential_failures_total\\{[^}]*reason=\"refused\""
                + "[^}]*tenant=\""
                + t.id()
                + "\"[^}]*} [1-9]")
        .containsPattern("taskifai_router_tenants_credentials_failing\\{[^}]*} [1-9]");

    // The role gets its stored password back: the tenant is served again, the health forgets it.
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "ALTER ROLE " + t.appRole() + " PASSWORD '" + stored + "'");
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline
        && (status = app.get(host, "/api/me", token).status()) != 200) {
      Thread.sleep(200);
    }
    assertThat(status).isEqualTo(200);
    assertThat(tenantsHealth().has(t.id().toString())).isFalse();
  }

  @Test
  void anAlteredCiphertextAnswers503NotA500AndIsReported() {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("tamper"));
    String host = t.subdomain() + ".localhost";
    Tenant row = fixture.registry.findById(t.id()).orElseThrow();
    String key = row.encryptedDatabaseKey();
    int i = key.length() - 5;
    String altered =
        key.substring(0, i) + (key.charAt(i) == 'A' ? 'B' : 'A') + key.substring(i + 1);
    fixture.registry.storeCredentials(
        t.id(), new TenantCredentials.EncryptedCredentials(row.encryptedDatabaseUrl(), altered));

    // Sign-in reads the tenant database: with credentials that cannot be decrypted it cannot.
    RouterApp.Response r =
        awaitStatus(
            host, Map.of("email", t.adminEmail(), "password", "whatever it is long enough"), 503);
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.json().get("error").asString()).isEqualTo("unavailable");
    assertThat(errorLines(t))
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .contains("cannot be decrypted")
                    .doesNotContain(key)
                    .doesNotContain(altered));
    assertThat(tenantsHealth().get(t.id().toString()).get("reason").asString())
        .isEqualTo("undecryptable");
    assertThat(prometheus())
        .containsPattern(
            "taskifai_tenant_credential_failures_total\\{[^}]*reason=\"undecryptable\""
                + "[^}]*tenant=\""
                + t.id()
                + "\"");
  }

  /** The tenant's stored app password, as the router decrypts it. */
  private static String storedPassword(TenantFixture.TestTenant t) {
    return TenantCredentials.decrypt(
            fixture.cipher, fixture.registry.findById(t.id()).orElseThrow())
        .password();
  }

  /** A login attempt, repeated until it answers {@code status} (the cache drops the old row). */
  private static RouterApp.Response awaitStatus(String host, Map<String, String> body, int status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    RouterApp.Response r;
    do {
      r = app.post(host, "/api/auth/login", null, body);
    } while (r.status() != status && System.nanoTime() < deadline);
    return r;
  }

  private List<String> errorLines(TenantFixture.TestTenant t) {
    return log.list.stream()
        .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains(t.id().toString()))
        .toList();
  }

  private static JsonNode tenantsHealth() {
    RouterApp.Response h = app.management("/actuator/health/tenants");
    assertThat(h.status()).isEqualTo(200);
    JsonNode component = h.json().get("components").get("tenantCredentials");
    assertThat(component.get("status").asString()).isEqualTo("UP");
    return component.get("details").get("tenants");
  }

  private static String prometheus() {
    RouterApp.Response p = app.management("/actuator/prometheus");
    assertThat(p.status()).isEqualTo(200);
    return p.body();
  }
}
