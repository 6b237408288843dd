package com.taskifai.api.metrics;

import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The platform's own metrics: tenants by status, operations running (tenants held by a move,
 * restore, backup, ...), provisioning outcomes and duration, failed admin logins and MFA failures.
 * Prometheus sees them at {@code /actuator/prometheus}.
 */
@Component
public class PlatformMetrics {
  private static final Logger log = LoggerFactory.getLogger(PlatformMetrics.class);
  private static final long STATUS_CACHE_MILLIS = 5_000;

  private final MeterRegistry registry;
  private final TenantRegistry tenants;
  private final TenantOperations operations;
  private final Counter started;
  private final Counter succeeded;
  private final Counter rolledBack;
  private final Counter rollbackFailed;
  private final Timer duration;
  private final CachedCounts<TenantStatus> statusCounts;
  private final CachedCounts<TenantOperationKind> operationCounts;

  PlatformMetrics(MeterRegistry registry, TenantRegistry tenants, TenantOperations operations) {
    this.registry = registry;
    this.tenants = tenants;
    this.operations = operations;
    this.statusCounts = new CachedCounts<>("tenant", this.tenants::countByStatus);
    this.operationCounts = new CachedCounts<>("operation", this.operations::countByOperation);
    this.started =
        Counter.builder("taskifai.provisioning.started")
            .description("Provisioning workflows started")
            .register(registry);
    this.succeeded =
        Counter.builder("taskifai.provisioning.succeeded")
            .description("Provisionings that reached ACTIVE")
            .register(registry);
    this.rolledBack =
        Counter.builder("taskifai.provisioning.rolled_back")
            .description("Provisionings that failed and were undone completely")
            .register(registry);
    this.rollbackFailed =
        Counter.builder("taskifai.provisioning.rollback_failed")
            .description("Provisionings whose undo failed (ROLLBACK_FAILED, needs a person)")
            .register(registry);
    this.duration =
        Timer.builder("taskifai.provisioning.duration")
            .description("From the API request to the end of the provisioning workflow")
            .publishPercentileHistogram()
            .register(registry);
    for (TenantStatus status : TenantStatus.values()) {
      Gauge.builder("taskifai.tenants", this, m -> m.countOf(status))
          .description("Tenants in the registry by status")
          .tag("status", status.name())
          .register(registry);
    }
    for (TenantOperationKind kind : TenantOperationKind.values()) {
      Gauge.builder("taskifai.operations.running", this, m -> m.runningOf(kind))
          .description("Tenants held by an operation (move, restore, backup, ...) now")
          .tag("operation", kind.name())
          .register(registry);
    }
  }

  public void provisioningStarted() {
    started.increment();
  }

  /** Counts a finished provisioning by the status it ended in and records how long it took. */
  public void provisioningFinished(String status, Duration took) {
    switch (status == null ? "" : status) {
      case "ACTIVE" -> succeeded.increment();
      case "ROLLBACK_FAILED" -> rollbackFailed.increment();
      default -> rolledBack.increment();
    }
    if (took != null) {
      duration.record(took);
    }
  }

  public void loginFailed(String reason) {
    registry.counter("taskifai.admin.logins.failed", "reason", reason).increment();
  }

  public void mfaFailed(String reason) {
    registry.counter("taskifai.admin.mfa.failures", "reason", reason).increment();
  }

  private double countOf(TenantStatus status) {
    return statusCounts.of(status);
  }

  private double runningOf(TenantOperationKind kind) {
    return operationCounts.of(kind);
  }

  /**
   * Counts read from the registry at most once per {@link #STATUS_CACHE_MILLIS}: one scrape asks
   * every gauge of a family, and they share one query. An unreachable registry keeps the last
   * counts.
   */
  private static final class CachedCounts<K> {
    private final String what;
    private final Supplier<Map<K, Long>> read;
    private Map<K, Long> counts = Map.of();
    private long readAt;

    CachedCounts(String what, Supplier<Map<K, Long>> read) {
      this.what = what;
      this.read = read;
    }

    synchronized double of(K key) {
      long now = System.currentTimeMillis();
      if (now - readAt > STATUS_CACHE_MILLIS) {
        try {
          counts = read.get();
        } catch (RuntimeException e) {
          log.debug("{} counts unavailable: {}", what, e.getClass().getSimpleName());
        }
        readAt = now;
      }
      return counts.getOrDefault(key, 0L);
    }
  }
}
