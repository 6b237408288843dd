package com.taskifai.routing.tenancy;

import com.taskifai.tenantschema.TrialSchema;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The size gauge of each tenant database ({@code taskifai.tenant.database.size}), in bytes. */
final class DatabaseSizes {
  private static final Logger log = LoggerFactory.getLogger(TenantPools.class);

  private final MeterRegistry meters;
  private final ConcurrentHashMap<UUID, AtomicLong> sizes = new ConcurrentHashMap<>();

  DatabaseSizes(MeterRegistry meters) {
    this.meters = meters;
  }

  /**
   * Reads the size of each tenant database whose pool has an idle connection right now (for a
   * trial, its own rows' share of the shared database, {@link TrialSchema#rowShare}); a busy or
   * closed pool is skipped, so measuring never opens a connection nor waits for one.
   */
  void measure(Collection<TenantPool> pools) {
    for (TenantPool p : pools) {
      HikariPoolMXBean mx = p.dataSource.getHikariPoolMXBean();
      if (mx == null || mx.getIdleConnections() == 0 || p.dataSource.isClosed()) {
        continue;
      }
      try (Connection c = p.dataSource.getConnection()) {
        // A trial's database is shared: its size is its own rows' share, never the whole.
        long bytes = p.trial ? TrialSchema.rowShare(c, p.tenantId) : databaseSize(c);
        sizes
            .computeIfAbsent(
                p.tenantId,
                id -> {
                  AtomicLong v = new AtomicLong();
                  Gauge.builder("taskifai.tenant.database.size", v, AtomicLong::get)
                      .tag("tenant", id.toString())
                      .baseUnit("bytes")
                      .description("Size of the tenant database when last measured")
                      .register(meters);
                  return v;
                })
            .set(bytes);
      } catch (SQLException | RuntimeException e) {
        log.debug("cannot measure the database of tenant {}: {}", p.tenantId, e.toString());
      }
    }
  }

  private static long databaseSize(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
