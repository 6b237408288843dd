package com.taskifai.routing.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantUsage;
import com.taskifai.registry.testing.TestPostgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The routers' usage writes: what the meters counted since the last write goes to the registry as
 * one upsert per tenant and day, nothing twice, nothing lost when a write fails; and a write over a
 * thousand tenants stays cheap (it runs beside the request path, never in it).
 */
class UsageReporterTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-14T12:00:00Z"), ZoneOffset.UTC);
  private static final LocalDate DAY = LocalDate.of(2026, 3, 14);
  private static TestPostgres.Platform db;
  private static TenantRegistry registry;
  private static com.zaxxer.hikari.HikariDataSource pooled;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    // Pooled sessions for the set-up: a thousand reservations on a new session each took 20 s.
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(db.jdbcUrl());
    config.setUsername(db.role());
    config.setPassword(TestPostgres.PLATFORM_PASSWORD);
    config.setMaximumPoolSize(2);
    pooled = new com.zaxxer.hikari.HikariDataSource(config);
    registry = new TenantRegistry(pooled);
  }

  @org.junit.jupiter.api.AfterAll
  static void closePool() {
    if (pooled != null) {
      pooled.close();
    }
  }

  private static UUID tenant(String subdomain) {
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Acme", "a@" + subdomain + ".test", "local"));
    return id;
  }

  private static void traffic(MeterRegistry meters, UUID tenant, int requests, long poolMillis) {
    Timer t =
        Timer.builder(RouterMetrics.REQUESTS)
            .tag("tenant", tenant.toString())
            .tag("status", "200")
            .register(meters);
    for (int i = 0; i < requests; i++) {
      t.record(1, TimeUnit.MILLISECONDS);
    }
    Timer.builder("hikaricp.connections.usage")
        .tag("pool", UsageReporter.POOL_PREFIX + tenant)
        .register(meters)
        .record(poolMillis, TimeUnit.MILLISECONDS);
  }

  @Test
  void writesWhatWasCountedSinceTheLastWriteOncePerTenantAndDay() {
    UUID a = tenant("usage-a");
    UUID b = tenant("usage-b");
    MeterRegistry meters = new SimpleMeterRegistry();
    UsageReporter reporter =
        new UsageReporter(meters, new TenantUsage(db.platform()), CLOCK, Duration.ZERO);
    traffic(meters, a, 7, 1_500);
    Timer.builder(RouterMetrics.REQUESTS)
        .tag("tenant", a.toString())
        .tag("status", "404")
        .register(meters)
        .record(1, TimeUnit.MILLISECONDS);
    traffic(meters, b, 3, 20);
    Counter.builder(RouterMetrics.UPLOAD_ROWS)
        .tag("tenant", a.toString())
        .register(meters)
        .increment(42);
    Counter.builder(RouterMetrics.UPLOAD_BYTES)
        .tag("tenant", a.toString())
        .register(meters)
        .increment(10_000);
    // Requests no tenant was found for are not anybody's usage.
    Timer.builder(RouterMetrics.REQUESTS)
        .tag("tenant", "none")
        .tag("status", "403")
        .register(meters)
        .record(1, TimeUnit.MILLISECONDS);

    assertThat(reporter.flush()).isEqualTo(2);
    TenantUsage usage = new TenantUsage(db.platform());
    Map<UUID, TenantUsage.Usage> day = usage.usage(DAY, DAY.plusDays(1));
    assertThat(day.get(a)).isEqualTo(new TenantUsage.Usage(a, 8, 1_500, 42, 10_000));
    assertThat(day.get(b)).isEqualTo(new TenantUsage.Usage(b, 3, 20, 0, 0));

    // Nothing new: nothing written; more traffic: only the difference.
    assertThat(reporter.flush()).isZero();
    traffic(meters, b, 2, 5);
    assertThat(reporter.flush()).isEqualTo(1);
    day = usage.usage(DAY, DAY.plusDays(1));
    assertThat(day.get(a).requests()).isEqualTo(8);
    assertThat(day.get(b)).isEqualTo(new TenantUsage.Usage(b, 5, 25, 0, 0));
  }

  @Test
  void requestLatencyIsAddedToTheTenantsDayBucketByBucketAcrossStatusesAndWrites() {
    UUID a = tenant("latency-a");
    MeterRegistry meters = new SimpleMeterRegistry();
    UsageReporter reporter =
        new UsageReporter(meters, new TenantUsage(db.platform()), CLOCK, Duration.ZERO);
    Timer ok = RouterMetrics.requestTimer(meters, a.toString(), 200);
    Timer notFound = RouterMetrics.requestTimer(meters, a.toString(), 404);
    for (int i = 0; i < 3; i++) {
      ok.record(3, TimeUnit.MILLISECONDS); // <= 5 ms
    }
    notFound.record(40, TimeUnit.MILLISECONDS); // (25, 50]
    ok.record(7, TimeUnit.SECONDS); // over the last bound
    assertThat(reporter.flush()).isEqualTo(1);
    TenantUsage usage = new TenantUsage(db.platform());
    TenantUsage.Latency latency = usage.latency(a, DAY, DAY.plusDays(1));
    assertThat(latency.requests()).isEqualTo(5);
    assertThat(latency.buckets()).containsExactly(3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1);

    // A second write adds only what is new, bucket by bucket.
    ok.record(300, TimeUnit.MILLISECONDS); // (250, 500]
    assertThat(reporter.flush()).isEqualTo(1);
    latency = usage.latency(a, DAY, DAY.plusDays(1));
    assertThat(latency.buckets()).containsExactly(3, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1);
    // p50: rank 3 of 6 lies in the first bucket (3 requests, 0-5 ms): 5 ms at most.
    assertThat(latency.p50Millis()).isEqualTo(5.0);
    // p95: rank 5.7 lies over the last bound: reported as that bound.
    assertThat(latency.p95Millis()).isEqualTo(5000.0);
  }

  @Test
  void aWriteThatFailsIsMadeUpByTheNextOne() {
    UUID a = tenant("usage-retry");
    MeterRegistry meters = new SimpleMeterRegistry();
    AtomicBoolean down = new AtomicBoolean(true);
    UsageReporter reporter =
        new UsageReporter(
            meters, new TenantUsage(switchable(db.platform(), down)), CLOCK, Duration.ZERO);
    traffic(meters, a, 4, 100);
    assertThatThrownBy(reporter::flush).isInstanceOf(RuntimeException.class);
    traffic(meters, a, 1, 10);
    down.set(false);
    assertThat(reporter.flush()).isEqualTo(1);
    assertThat(new TenantUsage(db.platform()).usage(DAY, DAY.plusDays(1)).get(a))
        .isEqualTo(new TenantUsage.Usage(a, 5, 110, 0, 0));
  }

  @Test
  void aWriteOverAThousandTenantsIsOneBatchAndCheap() {
    MeterRegistry meters = new SimpleMeterRegistry();
    List<UUID> tenants = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      UUID id = tenant("usage-many-" + i);
      tenants.add(id);
      traffic(meters, id, 1, 1);
    }
    UsageReporter reporter =
        new UsageReporter(meters, new TenantUsage(db.platform()), CLOCK, Duration.ZERO);
    long[] millis = new long[5];
    for (int round = 0; round < millis.length; round++) {
      for (UUID id : tenants) {
        traffic(meters, id, 1, 1);
      }
      long t0 = System.nanoTime();
      assertThat(reporter.flush()).isEqualTo(1_000);
      millis[round] = (System.nanoTime() - t0) / 1_000_000;
    }
    Arrays.sort(millis);
    System.out.printf(
        "usage write of 1000 tenants: median %d ms, max %d ms%n", millis[2], millis[4]);
    assertThat(millis[2]).isLessThan(5_000);
    assertThat(
            new TenantUsage(db.platform())
                .usage(DAY, DAY.plusDays(1))
                .get(tenants.get(0))
                .requests())
        .isEqualTo(6);
  }

  /** A data source that refuses connections while {@code down} is set. */
  private static DataSource switchable(DataSource target, AtomicBoolean down) {
    return new DataSource() {
      @Override
      public Connection getConnection() throws SQLException {
        if (down.get()) {
          throw new SQLException("registry down", "08001");
        }
        return target.getConnection();
      }

      @Override
      public Connection getConnection(String user, String password) throws SQLException {
        return getConnection();
      }

      @Override
      public PrintWriter getLogWriter() {
        return null;
      }

      @Override
      public void setLogWriter(PrintWriter out) {}

      @Override
      public void setLoginTimeout(int seconds) {}

      @Override
      public int getLoginTimeout() {
        return 0;
      }

      @Override
      public Logger getParentLogger() {
        return Logger.getGlobal();
      }

      @Override
      public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
      }

      @Override
      public boolean isWrapperFor(Class<?> iface) {
        return false;
      }
    };
  }
}
