package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.tenancy.TenantPools;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Connection pools under a small global cap, with idle pools closed after one second. */
class ConnectionCapTest {
  static final int CAP = 6;
  static final int TENANTS = 50;

  static TenantFixture fixture;
  static RouterApp app;
  static List<TenantFixture.TestTenant> tenants = new ArrayList<>();

  @BeforeAll
  static void fiftyTenants() {
    fixture = SharedRouter.fixture();
    for (int i = 0; i < TENANTS; i++) {
      tenants.add(fixture.createFromTemplate(TenantFixture.subdomain("pool" + i)));
    }
    app =
        new RouterApp(
            fixture,
            Map.of(
                "taskifai.pool.max-per-tenant", "2",
                "taskifai.pool.global-cap", Integer.toString(CAP),
                "taskifai.pool.eviction", "PT1S",
                "taskifai.pool.connection-timeout", "PT0.5S"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void fiftyTenantsInTurnNeverHoldMoreConnectionsThanTheCapAndIdlePoolsClose() throws Exception {
    List<String> databases = tenants.stream().map(TenantFixture.TestTenant::database).toList();
    AtomicInteger most = new AtomicInteger();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              try (Connection c = TestPostgres.superuser("postgres").getConnection()) {
                while (sampling.get()) {
                  most.accumulateAndGet(open(c, databases), Math::max);
                  Thread.sleep(2);
                }
              } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    sampler.start();
    List<Integer> statuses = new ArrayList<>();
    try {
      for (int round = 0; round < 2; round++) {
        for (TenantFixture.TestTenant t : tenants) {
          statuses.add(
              app.get(t.subdomain() + ".localhost", "/api/products", app.adminToken(t)).status());
        }
      }
    } finally {
      sampling.set(false);
      sampler.join();
    }
    assertThat(statuses).hasSize(2 * TENANTS).containsOnly(200);
    assertThat(most.get()).isPositive().isLessThanOrEqualTo(CAP);
    TenantPools pools = app.bean(TenantPools.class);
    assertThat(pools.openConnections()).isLessThanOrEqualTo(CAP);

    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int stillOpen;
    try (Connection c = TestPostgres.superuser("postgres").getConnection()) {
      do {
        Thread.sleep(100);
        stillOpen = open(c, databases);
      } while ((stillOpen > 0 || pools.openPools() > 0) && System.nanoTime() < deadline);
    }
    assertThat(pools.openPools()).isZero();
    assertThat(stillOpen).isZero();
    String metrics = app.metrics();
    assertThat(metrics)
        .contains("taskifai_router_pools_open")
        .contains("taskifai_router_connections_open");
  }

  @Test
  void whenEveryConnectionUnderTheCapIsBusyTheAnswerIs503WithRetryAfter() throws Exception {
    TenantPools pools = app.bean(TenantPools.class);
    List<Connection> held = new ArrayList<>();
    try {
      for (int i = 0; i < CAP / 2; i++) {
        Tenant busy = fixture.registry.findById(tenants.get(i).id()).orElseThrow();
        held.add(pools.connection(busy));
        held.add(pools.connection(busy));
      }
      TenantFixture.TestTenant other = tenants.get(TENANTS - 1);
      RouterApp.Response r =
          app.get(other.subdomain() + ".localhost", "/api/products", app.adminToken(other));
      assertThat(r.status()).as(r.body()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isNotBlank();
      assertThat(r.json().get("error").asString()).isEqualTo("busy");
    } finally {
      for (Connection c : held) {
        c.close();
      }
    }
    TenantFixture.TestTenant other = tenants.get(TENANTS - 1);
    assertThat(
            app.get(other.subdomain() + ".localhost", "/api/products", app.adminToken(other))
                .status())
        .isEqualTo(200);
  }

  private static int open(Connection c, List<String> databases) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            // client sessions only: an autovacuum worker on a tenant database is no pool connection
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY (?)"
                + " AND backend_type = 'client backend'")) {
      ps.setArray(1, c.createArrayOf("text", databases.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
