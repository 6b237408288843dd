package com.taskifai.routing.tenancy;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.util.UUID;
import javax.sql.DataSource;

/** A tenant's pool and what it was built from. */
final class TenantPool {
  final UUID tenantId;
  final String fingerprint;
  final String username;
  final String serverId;
  final boolean trial;
  final HikariDataSource dataSource;

  /**
   * Where requests take their connections: the pool, wrapped for statement spans if traces are on.
   */
  final DataSource connections;

  volatile long lastUsedNanos = System.nanoTime();
  volatile long refusedUntilNanos = System.nanoTime();

  TenantPool(
      UUID tenantId,
      String fingerprint,
      String username,
      String serverId,
      boolean trial,
      HikariDataSource dataSource,
      DataSource connections) {
    this.tenantId = tenantId;
    this.fingerprint = fingerprint;
    this.username = username;
    this.serverId = serverId;
    this.trial = trial;
    this.dataSource = dataSource;
    this.connections = connections;
  }

  int idle() {
    HikariPoolMXBean mx = dataSource.getHikariPoolMXBean();
    return mx == null ? 0 : mx.getIdleConnections();
  }

  int active() {
    HikariPoolMXBean mx = dataSource.getHikariPoolMXBean();
    return mx == null ? 0 : mx.getActiveConnections() + mx.getThreadsAwaitingConnection();
  }

  /** Closes the pool's idle connections now (busy ones stay); returns how many were idle. */
  int closeIdleConnections() {
    HikariPoolMXBean mx = dataSource.getHikariPoolMXBean();
    if (mx == null || dataSource.isClosed()) {
      return 0;
    }
    int idle = mx.getIdleConnections();
    if (idle > 0) {
      // Evicts idle connections at once; a busy one is evicted when it is returned.
      mx.softEvictConnections();
    }
    return idle;
  }
}
