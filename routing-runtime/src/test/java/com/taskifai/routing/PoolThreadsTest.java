package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.routing.tenancy.TenantPools;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Round robin over more tenants than the global cap, so each request opens a connection and closes
 * another: the threads HikariCP gives each tenant pool for that (an adder and a closer) keep alive
 * for {@code taskifai.pool.thread-keep-alive} (200 ms here), not HikariCP's fixed 5 s.
 */
class PoolThreadsTest {
  static final int TENANTS = 6;

  static TenantFixture fixture;
  static RouterApp app;
  static final List<TenantFixture.TestTenant> tenants = new ArrayList<>();

  @BeforeAll
  static void tenantsAndARouterWithACapBelowThem() {
    fixture = SharedRouter.fixture();
    for (int i = 0; i < TENANTS; i++) {
      tenants.add(fixture.createFromTemplate(TenantFixture.subdomain("threads" + i)));
    }
    app =
        new RouterApp(
            fixture,
            Map.of(
                "taskifai.pool.max-per-tenant", "1",
                "taskifai.pool.global-cap", "2",
                "taskifai.pool.eviction", "PT5M",
                "taskifai.pool.connection-timeout", "PT2S",
                "taskifai.pool.thread-keep-alive", "PT0.2S"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void theAdderAndCloserThreadsOfTenantPoolsEndAfterTheConfiguredKeepAlive() {
    for (int round = 0; round < 2; round++) {
      for (TenantFixture.TestTenant t : tenants) {
        assertThat(products(t)).isEqualTo(200);
      }
    }
    assertThat(app.bean(TenantPools.class).openPools()).isEqualTo(TENANTS);
    // Every request made room by closing another tenant's connection, on that pool's closer.
    assertThat(poolThreads("connection-closer")).isPositive();
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> poolThreads("connection-adder") + poolThreads("connection-closer") == 0);
    // The pools themselves stay open and serve again, with new threads.
    assertThat(products(tenants.get(0))).isEqualTo(200);
  }

  private static int products(TenantFixture.TestTenant t) {
    return app.get(t.subdomain() + ".localhost", "/api/products", app.adminToken(t)).status();
  }

  /** Live threads of this test's tenant pools whose name ends with {@code kind}. */
  private static long poolThreads(String kind) {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.endsWith(":" + kind))
        .filter(n -> tenants.stream().anyMatch(t -> n.startsWith("tenant-" + t.id())))
        .count();
  }
}
