package com.taskifai.routing.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** A tenant pool closed and opened again under the same name keeps its HikariCP metrics. */
class TenantPoolMetricsTest {
  private final MeterRegistry meters = new SimpleMeterRegistry();
  private final TenantPoolMetrics metrics = new TenantPoolMetrics(meters);

  private HikariDataSource pool(String name) {
    HikariConfig c = new HikariConfig();
    c.setPoolName(name);
    c.setDataSource(TestPostgres.superuser("postgres"));
    c.setMaximumPoolSize(3);
    c.setMinimumIdle(0);
    c.setInitializationFailTimeout(-1);
    c.setMetricsTrackerFactory(metrics);
    return new HikariDataSource(c);
  }

  private Gauge active(String name) {
    return meters.find("hikaricp.connections.active").tag("pool", name).gauge();
  }

  @Test
  void aPoolReopenedWhileItsPredecessorStillClosesReportsItsOwnConnections() throws Exception {
    String name = "tenant-reopened";
    HikariDataSource old = pool(name);
    try (Connection a = old.getConnection()) {
      assertThat(active(name).value()).isEqualTo(1.0);
    }
    // The tenant's pool is retired (closed a while later) and a new one opens meanwhile.
    HikariDataSource successor = pool(name);
    try (Connection a = successor.getConnection();
        Connection b = successor.getConnection()) {
      old.close();
      Gauge gauge = active(name);
      assertThat(gauge).as("the successor's gauge survives the old pool's close").isNotNull();
      assertThat(gauge.value()).isEqualTo(2.0);
      assertThat(meters.find("hikaricp.connections.max").tag("pool", name).gauges()).hasSize(1);
    } finally {
      successor.close();
    }
    // Closed for good: its meters are gone, and a pool opened later registers again.
    assertThat(active(name)).isNull();
    try (HikariDataSource again = pool(name);
        Connection a = again.getConnection()) {
      assertThat(active(name)).isNotNull();
      assertThat(active(name).value()).isEqualTo(1.0);
    }
  }
}
