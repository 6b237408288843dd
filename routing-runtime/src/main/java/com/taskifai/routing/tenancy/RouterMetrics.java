package com.taskifai.routing.tenancy;

import com.taskifai.registry.TenantUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * The routing runtime's metrics: per tenant (requests and latency, upload rows, active users;
 * HikariCP adds pool active/idle/pending per tenant pool) and for the platform (tenants routed,
 * pools and connections open, cross-tenant attempts, requests refused at the connection cap).
 */
@Component
public class RouterMetrics {
  private static final long ACTIVE_USER_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(15);

  /** Meter names the {@link UsageReporter} reads. */
  static final String REQUESTS = "taskifai.router.requests";

  static final String UPLOAD_ROWS = "taskifai.tenant.upload.rows";
  static final String UPLOAD_BYTES = "taskifai.tenant.upload.bytes";

  private final MeterRegistry registry;
  private final Counter crossTenant;
  private final Map<String, Map<UUID, Long>> lastSeen = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public RouterMetrics(
      MeterRegistry registry, @Lazy TenantPools pools, @Lazy TenantDirectory directory) {
    this.registry = registry;
    this.crossTenant =
        Counter.builder("taskifai.router.cross.tenant.attempts")
            .description("Requests with a valid token issued for another tenant")
            .register(registry);
    Gauge.builder("taskifai.router.pools.open", pools, TenantPools::openPools)
        .description("Tenant connection pools open")
        .register(registry);
    Gauge.builder("taskifai.router.connections.open", pools, TenantPools::openConnections)
        .description("Physical tenant database connections open")
        .register(registry);
    Gauge.builder("taskifai.router.connections.cap", pools, TenantPools::globalCap)
        .description("Global cap on tenant database connections")
        .register(registry);
    Gauge.builder("taskifai.router.tenants.routed", directory, TenantDirectory::servingTenants)
        .description("Tenants served from the routing cache")
        .register(registry);
    Gauge.builder(
            "taskifai.router.tenant.databases.unreachable",
            pools,
            TenantPools::unreachableDatabases)
        .description("Tenants whose database could not be reached and is being backed off")
        .register(registry);
  }

  /** One request finished. */
  public void request(String tenantId, int status, long nanos) {
    // Looked up once per tenant and status: building a meter id on every request costs more
    // than recording into it.
    timers
        .computeIfAbsent(tenantId + "|" + status, k -> requestTimer(registry, tenantId, status))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The request timer of a tenant and status: with the latency buckets of {@link
   * TenantUsage#LATENCY_BOUNDS_MS} (cumulative, as Prometheus histograms are), which the usage
   * report adds to the tenant's day and dashboards read with histogram_quantile.
   */
  static Timer requestTimer(MeterRegistry registry, String tenantId, int status) {
    return Timer.builder(REQUESTS)
        .tag("tenant", tenantId)
        .tag("status", Integer.toString(status))
        .serviceLevelObjectives(LATENCY_BOUNDS)
        .register(registry);
  }

  private static final Duration[] LATENCY_BOUNDS =
      java.util.Arrays.stream(TenantUsage.LATENCY_BOUNDS_MS)
          .mapToObj(Duration::ofMillis)
          .toArray(Duration[]::new);

  /** A token that is valid but names another tenant. */
  public void crossTenantAttempt() {
    crossTenant.increment();
  }

  public double crossTenantAttempts() {
    return crossTenant.count();
  }

  /** A request refused because no connection was free under the global cap. */
  void poolRejected(RoutedTenant tenant) {
    Counter.builder("taskifai.router.pool.rejections")
        .tag("tenant", tenant.id())
        .register(registry)
        .increment();
  }

  /** Rows imported by a sell-out upload. */
  public void uploadRows(String tenantId, int rows) {
    Counter.builder(UPLOAD_ROWS).tag("tenant", tenantId).register(registry).increment(rows);
  }

  /** Bytes of a sell-out file whose rows were imported. */
  public void uploadBytes(String tenantId, long bytes) {
    Counter.builder(UPLOAD_BYTES)
        .description("Bytes of the sell-out files imported")
        .baseUnit("bytes")
        .tag("tenant", tenantId)
        .register(registry)
        .increment(bytes);
  }

  /** An authenticated user made a request; feeds the active-users gauge of the tenant. */
  public void userSeen(String tenantId, UUID userId) {
    lastSeen
        .computeIfAbsent(
            tenantId,
            t -> {
              Map<UUID, Long> users = new ConcurrentHashMap<>();
              Gauge.builder("taskifai.tenant.active.users", users, RouterMetrics::countActive)
                  .tag("tenant", t)
                  .description("Users with a request in the last 15 minutes")
                  .register(registry);
              return users;
            })
        .put(userId, System.nanoTime());
  }

  private static double countActive(Map<UUID, Long> users) {
    long now = System.nanoTime();
    users.values().removeIf(t -> now - t > ACTIVE_USER_WINDOW_NANOS);
    return users.size();
  }
}
