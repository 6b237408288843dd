package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.tenancy.TenantPools;
import com.taskifai.routing.tenancy.TrialIsolationCheck;
import com.taskifai.tenantschema.TrialSchema;
import java.time.Duration;
import java.util.function.IntPredicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A shared trial database in which a table holding rows lacks the isolation is never served: its
 * trials answer 503 after the next change notification (as a rollout sends), the error log names
 * the database, and dedicated tenants go on being served. A trial's size gauge is its rows' share.
 */
class TrialScopeTest {
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
    ((Logger) LoggerFactory.getLogger(TrialIsolationCheck.class)).addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    ((Logger) LoggerFactory.getLogger(TrialIsolationCheck.class)).detachAppender(log);
  }

  @Test
  void aTrialDatabaseWithATableOutsideTheIsolationIsRefusedUntilItIsRepaired() throws Exception {
    TenantFixture.TestTenant a = fixture.createTrial(TenantFixture.subdomain("scope-a"));
    TenantFixture.TestTenant b = fixture.createTrial(TenantFixture.subdomain("scope-b"));
    TenantFixture.TestTenant dedicated =
        fixture.createFromTemplate(TenantFixture.subdomain("scope-d"));
    String tokenA = app.signInAdmin(a);
    String tokenB = app.signInAdmin(b);
    String tokenD = app.signInAdmin(dedicated);
    assertThat(app.get(host(a), "/api/products", tokenA).status()).isEqualTo(200);

    // A change made by hand, outside the migrations: a table of rows with no tenant_id and no RLS.
    TestPostgres.execute(
        TestPostgres.superuser(TrialSchema.DATABASE),
        "CREATE TABLE scope_notes (id bigserial PRIMARY KEY, body text)",
        "GRANT SELECT ON scope_notes TO " + TrialSchema.APP_ROLE);
    try {
      notifyChanged(a);

      RouterApp.Response refused = awaitStatus(a, tokenA, s -> s == 503);
      assertThat(refused.json().get("error").asString()).isEqualTo("unavailable");
      assertThat(refused.header("Retry-After")).isNotNull();
      assertThat(refused.body()).doesNotContain("scope_notes");
      // Every trial of the database is refused, not only the one whose change was announced.
      assertThat(app.get(host(b), "/api/products", tokenB).status()).isEqualTo(503);
      assertThat(
              app.post(
                      host(b),
                      "/api/products",
                      tokenB,
                      java.util.Map.of("sku", "S-1", "name", "never written"))
                  .status())
          .isEqualTo(503);
      assertThat(app.get(host(dedicated), "/api/products", tokenD).status()).isEqualTo(200);
      assertThat(log.list)
          .anySatisfy(
              e -> {
                assertThat(e.getLevel().toString()).isEqualTo("ERROR");
                assertThat(e.getFormattedMessage())
                    .contains(TrialSchema.DATABASE)
                    .contains("scope_notes: no tenant_id column");
              });
      assertThat(
              app.metrics()
                  .lines()
                  .filter(l -> l.startsWith("taskifai_router_trial_databases_unscoped{"))
                  .toList())
          .singleElement()
          .satisfies(l -> assertThat(l).endsWith(" 1.0"));
    } finally {
      TestPostgres.execute(
          TestPostgres.superuser(TrialSchema.DATABASE), "DROP TABLE IF EXISTS scope_notes");
    }
    // Repaired: served again once the refusal's short cache ends (others share this database).
    awaitStatus(a, tokenA, s -> s == 200);
    assertThat(app.get(host(b), "/api/products", tokenB).status()).isEqualTo(200);
  }

  @Test
  void aTrialsSizeGaugeIsItsOwnRowsShareNotTheSharedDatabase() throws Exception {
    TenantFixture.TestTenant big = fixture.createTrial(TenantFixture.subdomain("size-big"));
    TenantFixture.TestTenant small = fixture.createTrial(TenantFixture.subdomain("size-small"));
    DataSource shared = TestPostgres.superuser(TrialSchema.DATABASE);
    TestPostgres.execute(
        shared,
        "INSERT INTO products (tenant_id, sku, name) SELECT '"
            + big.id()
            + "', 'BIG-' || i, repeat('x', 200) FROM generate_series(1, 3000) i",
        "INSERT INTO products (tenant_id, sku, name) SELECT '"
            + small.id()
            + "', 'SMALL-' || i, repeat('x', 200) FROM generate_series(1, 30) i",
        "ANALYZE products");
    assertThat(app.get(host(big), "/api/products", app.signInAdmin(big)).status()).isEqualTo(200);
    assertThat(app.get(host(small), "/api/products", app.signInAdmin(small)).status())
        .isEqualTo(200);

    app.bean(TenantPools.class).measureDatabaseSizes();

    long whole =
        JdbcClient.create(shared)
            .sql("SELECT pg_database_size(current_database())")
            .query(Long.class)
            .single();
    double bigBytes = sizeGauge(big);
    double smallBytes = sizeGauge(small);
    assertThat(bigBytes).isPositive().isLessThan(whole);
    assertThat(smallBytes).isPositive().isLessThan(bigBytes / 10);
  }

  private static double sizeGauge(TenantFixture.TestTenant t) {
    return app.metrics()
        .lines()
        .filter(l -> l.startsWith("taskifai_tenant_database_size_bytes{"))
        .filter(l -> l.contains("tenant=\"" + t.id() + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no size gauge for " + t.id()));
  }

  private static void notifyChanged(TenantFixture.TestTenant t) {
    TestPostgres.execute(
        fixture.platform.owner(), "SELECT pg_notify('tenant_changed', '" + t.id() + "')");
  }

  private static RouterApp.Response awaitStatus(
      TenantFixture.TestTenant t, String token, IntPredicate wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    RouterApp.Response r;
    do {
      r = app.get(host(t), "/api/products", token);
      if (wanted.test(r.status())) {
        return r;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("status " + r.status() + ": " + r.body());
  }

  private static String host(TenantFixture.TestTenant t) {
    return t.subdomain() + ".localhost";
  }
}
