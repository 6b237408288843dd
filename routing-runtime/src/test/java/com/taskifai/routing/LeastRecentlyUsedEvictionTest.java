package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * At the global cap, the connection closed to make room is the least recently used tenant's, and a
 * tenant used again in between keeps its connection: pools stay open (eviction is minutes away),
 * only their idle connections make way.
 */
class LeastRecentlyUsedEvictionTest {
  static final int CAP = 3;

  static TenantFixture fixture;
  static RouterApp app;
  static final List<TenantFixture.TestTenant> tenants = new ArrayList<>();

  @BeforeAll
  static void fourTenants() {
    fixture = SharedRouter.fixture();
    for (int i = 0; i < 4; i++) {
      tenants.add(fixture.createFromTemplate(TenantFixture.subdomain("lru" + i)));
    }
    app =
        new RouterApp(
            fixture,
            Map.of(
                "taskifai.pool.max-per-tenant", "1",
                "taskifai.pool.global-cap", Integer.toString(CAP),
                "taskifai.pool.eviction", "PT5M",
                "taskifai.pool.connection-timeout", "PT2S"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void theLeastRecentlyUsedTenantsIdleConnectionMakesRoomAndARecentOneStays() throws Exception {
    TenantFixture.TestTenant first = tenants.get(0);
    TenantFixture.TestTenant second = tenants.get(1);
    TenantFixture.TestTenant third = tenants.get(2);
    TenantFixture.TestTenant fourth = tenants.get(3);
    for (TenantFixture.TestTenant t : List.of(first, second, third)) {
      assertThat(get(t)).isEqualTo(200);
    }
    try (Connection c = TestPostgres.superuser("postgres").getConnection()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> sessions(c, first) + sessions(c, second) + sessions(c, third) == CAP);
      // The first tenant is used again: now the second is the least recently used.
      assertThat(get(first)).isEqualTo(200);
      assertThat(app.bean(TenantPools.class).openConnections()).isEqualTo(CAP);

      assertThat(get(fourth)).isEqualTo(200);

      await().atMost(Duration.ofSeconds(10)).until(() -> sessions(c, second) == 0);
      assertThat(sessions(c, first)).as("the tenant used just before keeps its connection").isOne();
      assertThat(sessions(c, fourth)).isOne();
      assertThat(app.bean(TenantPools.class).openConnections()).isLessThanOrEqualTo(CAP);
      assertThat(app.bean(TenantPools.class).openPools()).isEqualTo(4);
    }
    // The tenant whose connection made way is served again (its pool opens a new one).
    assertThat(get(second)).isEqualTo(200);
  }

  private int get(TenantFixture.TestTenant t) {
    return app.get(t.subdomain() + ".localhost", "/api/products", app.adminToken(t)).status();
  }

  private static int sessions(Connection c, TenantFixture.TestTenant t) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND backend_type = 'client"
                + " backend'")) {
      ps.setString(1, t.database());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
