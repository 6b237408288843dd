package com.taskifai.api;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the database-server fleet operations at the top level of {@code taskifai.*}: tenant
 * moves, server drains and the server health view. The operator's {@code servers drain} binds the
 * same record, so both agree on the defaults.
 *
 * @param moveGrace how long a move keeps the old database before it drops it
 * @param drainConcurrency tenants a drain moves at once (a drain request may ask for another
 *     number)
 * @param serverHealthTimeout how long {@code GET /admin/servers} waits for each database server
 *     (connect and queries)
 * @param archivingMetricsRefresh how often the WAL archiving gauges ask the servers again
 * @param backupMetricsRefresh how often the backup gauges read the registry again
 */
@ConfigurationProperties("taskifai")
public record FleetSettings(
    @DefaultValue("PT24H") Duration moveGrace,
    @DefaultValue("2") int drainConcurrency,
    @DefaultValue("PT3S") Duration serverHealthTimeout,
    @DefaultValue("PT1M") Duration archivingMetricsRefresh,
    @DefaultValue("PT30S") Duration backupMetricsRefresh) {

  /** The most tenants one drain moves at once. */
  public static final int MAX_DRAIN_CONCURRENCY = 32;

  public FleetSettings {
    if (moveGrace.isNegative()) {
      throw new IllegalArgumentException(
          "taskifai.move-grace (TASKIFAI_MOVE_GRACE) must not be negative, not " + moveGrace);
    }
    if (drainConcurrency < 1 || drainConcurrency > MAX_DRAIN_CONCURRENCY) {
      throw new IllegalArgumentException(
          "taskifai.drain-concurrency (TASKIFAI_DRAIN_CONCURRENCY) must be between 1 and "
              + MAX_DRAIN_CONCURRENCY
              + ", not "
              + drainConcurrency);
    }
    if (serverHealthTimeout.isZero() || serverHealthTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "taskifai.server-health-timeout (TASKIFAI_SERVER_HEALTH_TIMEOUT) must be positive, not "
              + serverHealthTimeout);
    }
  }
}
