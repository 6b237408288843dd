package com.taskifai.routing.tenancy;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.tracing.PlatformTracing;
import com.taskifai.routing.RoutingSettings;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * One HikariCP pool per tenant, created on first use from the tenant's decrypted credentials
 * ({@link TenantPoolFactory}), replaced when the tenant moves or gets new credentials, and closed
 * when unused for the eviction time or when the tenant stops serving traffic. The jobs around the
 * pools have a class each: the global cap and server budgets with LRU eviction ({@link
 * ConnectionCap}), stored credentials that fail ({@link CredentialFailures}: requests fail with
 * {@link SQLInvalidAuthorizationSpecException}, and after a refusal the server is not asked again
 * for {@link #CREDENTIAL_RETRY}), the back-off for unreachable databases ({@link DatabaseBackoff}:
 * requests fail at once with {@link TenantDatabaseUnreachable}) and the size gauges ({@link
 * DatabaseSizes}).
 */
@Component
public class TenantPools implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(TenantPools.class);

  /** How long a pool whose credentials the server refused answers without asking it again. */
  static final Duration CREDENTIAL_RETRY = Duration.ofSeconds(5);

  /**
   * Why a tenant's stored credentials open no connection: {@code undecryptable} or {@code refused}.
   */
  public record CredentialFailure(String reason, Instant since, long failures) {}

  private final RoutingSettings settings;
  private final TenantRegistry registry;
  private final ConnectionBudgets budgets;
  private final ConcurrentHashMap<UUID, TenantPool> pools = new ConcurrentHashMap<>();
  private final Set<TenantPool> retired = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService sweeper;
  private final ScheduledThreadPoolExecutor housekeeping;
  private final ConnectionCap cap;
  private final TenantPoolFactory factory;
  private final CredentialFailures credentialFailures;
  private final DatabaseBackoff unreachable = new DatabaseBackoff();
  private final DatabaseSizes databaseSizes;

  /** The tenant's database could not be reached, now or a moment ago (back-off). */
  public static final class TenantDatabaseUnreachable extends SQLTransientConnectionException {
    private final long retryAfterSeconds;

    TenantDatabaseUnreachable(UUID tenantId, long retryAfterSeconds, Throwable cause) {
      super("the database of tenant " + tenantId + " cannot be reached", "08001", cause);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    /** When a new attempt may work, in whole seconds (at least 1). */
    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  public TenantPools(
      RoutingSettings settings,
      CredentialCipher cipher,
      TenantRegistry registry,
      MeterRegistry meters,
      TenantDirectory directory,
      ConnectionBudgets budgets,
      OpenTelemetry openTelemetry) {
    this.settings = settings;
    this.registry = registry;
    this.budgets = budgets;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tenant-pool-sweeper"));
    this.housekeeping =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named("tenant-pool-housekeeping"));
    housekeeping.setRemoveOnCancelPolicy(true);
    this.cap =
        new ConnectionCap(
            settings.globalConnectionCap,
            settings.connectionReleaseGrace,
            housekeeping,
            p -> pools.get(p.tenantId) == p);
    this.factory =
        new TenantPoolFactory(
            settings,
            cipher,
            cap,
            budgets,
            new TenantPoolMetrics(meters),
            housekeeping,
            PlatformTracing.statementSpans(openTelemetry));
    this.credentialFailures = new CredentialFailures(meters);
    this.databaseSizes = new DatabaseSizes(meters);
    long period =
        Math.max(
            100,
            Math.min(settings.poolIdleEviction.toMillis() / 2, Duration.ofSeconds(30).toMillis()));
    sweeper.scheduleWithFixedDelay(this::closeUnusedPools, period, period, TimeUnit.MILLISECONDS);
    sweeper.scheduleWithFixedDelay(this::measureDatabaseSizes, 5, 60, TimeUnit.SECONDS);
    directory.addChangeListener(id -> sweeper.execute(() -> onTenantChanged(id)));
    budgets.onOverBudget(id -> sweeper.execute(() -> shrinkToBudget(id)));
  }

  /**
   * A connection of the tenant's own pool.
   *
   * @throws SQLTransientConnectionException when no connection could be had in time (global cap)
   * @throws SQLInvalidAuthorizationSpecException when the tenant's stored credentials cannot be
   *     decrypted or the database server refuses them
   */
  public Connection connection(Tenant tenant) throws SQLException {
    return unreachable.connect(tenant.tenantId(), () -> connect(tenant));
  }

  private Connection connect(Tenant tenant) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      TenantPool pool;
      try {
        pool = poolFor(tenant);
      } catch (TenantPoolFactory.UnusableCredentials e) {
        credentialFailures.failed(tenant.tenantId(), "undecryptable", e.getMessage());
        throw new SQLInvalidAuthorizationSpecException(e.getMessage(), "28000");
      }
      if (pool.refusedUntilNanos - System.nanoTime() > 0) {
        throw new SQLInvalidAuthorizationSpecException(refusedMessage(pool), "28P01");
      }
      try {
        Connection c = pool.connections.getConnection();
        cap.touch(pool);
        credentialFailures.worked(pool.tenantId);
        return c;
      } catch (SQLException e) {
        if (CredentialFailures.refusedCredentials(e)) {
          pool.refusedUntilNanos = System.nanoTime() + CREDENTIAL_RETRY.toNanos();
          credentialFailures.failed(pool.tenantId, "refused", refusedMessage(pool));
          throw new SQLInvalidAuthorizationSpecException(refusedMessage(pool), "28P01", e);
        }
        // The sweeper may have closed the pool between lookup and use: take a fresh one once.
        if (!pool.dataSource.isClosed() || attempt > 0) {
          throw e;
        }
      }
    }
  }

  /** Tenants whose stored credentials failed at their last use, and why. */
  public Map<UUID, CredentialFailure> credentialFailures() {
    return credentialFailures.snapshot();
  }

  private static String refusedMessage(TenantPool pool) {
    return "the database server refuses the stored credentials of role " + pool.username;
  }

  /**
   * Records that a tenant's database could not be reached (also when a connection broke during a
   * request) and returns the back-off now in force.
   */
  DatabaseBackoff.Backoff backOff(UUID tenantId) {
    return unreachable.backOff(tenantId);
  }

  /** Tenants whose database is being backed off now. */
  public int unreachableDatabases() {
    return unreachable.size();
  }

  /**
   * True when the failure says the database server cannot be reached or is shutting down (SQL state
   * class 08, 57P01-57P03, or a refused or timed out socket), not the global cap (whose failure has
   * no SQL state).
   */
  public static boolean databaseUnreachable(Throwable e) {
    return DatabaseBackoff.databaseUnreachable(e);
  }

  TenantPool poolFor(Tenant tenant) {
    String fingerprint = TenantPoolFactory.fingerprint(tenant);
    TenantPool pool =
        pools.compute(
            tenant.tenantId(),
            (id, existing) -> {
              if (existing != null
                  && existing.fingerprint.equals(fingerprint)
                  && !existing.dataSource.isClosed()) {
                return existing;
              }
              if (existing != null) {
                retire(existing);
              }
              return factory.open(tenant, fingerprint);
            });
    pool.lastUsedNanos = System.nanoTime();
    return pool;
  }

  /** Closes idle pools on a server where this router holds more than its share of the budget. */
  void shrinkToBudget(String serverId) {
    cap.shrinkToBudget(budgets.forServer(serverId), pools.values());
  }

  /** Closes the pools nobody used for the eviction time. */
  void closeUnusedPools() {
    long limit = settings.poolIdleEviction.toNanos();
    long now = System.nanoTime();
    for (TenantPool p : pools.values()) {
      if (now - p.lastUsedNanos > limit && p.active() == 0 && pools.remove(p.tenantId, p)) {
        log.info("closing the unused pool of tenant {}", p.tenantId);
        retire(p);
      }
    }
  }

  /**
   * Measures the size of each tenant database that has an idle connection ({@link DatabaseSizes}).
   */
  public void measureDatabaseSizes() {
    databaseSizes.measure(pools.values());
  }

  private void onTenantChanged(UUID tenantId) {
    TenantPool pool = pools.get(tenantId);
    if (pool == null && !credentialFailures.contains(tenantId)) {
      return;
    }
    Optional<Tenant> now = registry.findById(tenantId);
    if (now.isEmpty() || !now.get().servesTraffic()) {
      credentialFailures.forget(tenantId);
    }
    if (pool == null) {
      return;
    }
    boolean keep =
        now.isPresent()
            && now.get().servesTraffic()
            && pool.fingerprint.equals(TenantPoolFactory.fingerprint(now.get()));
    if (!keep && pools.remove(tenantId, pool)) {
      log.info("closing the pool of tenant {}: it no longer serves traffic as it was", tenantId);
      retire(pool);
    }
  }

  /**
   * Takes a pool out of service without breaking a request that still holds it: idle connections
   * close now, busy ones when they are returned, and the pool itself a while later. Closing it at
   * once would abort a connection that a request borrowed a moment before the pool was dropped.
   */
  private void retire(TenantPool pool) {
    cap.forget(pool);
    HikariPoolMXBean mx = pool.dataSource.getHikariPoolMXBean();
    if (mx != null) {
      mx.softEvictConnections();
    }
    retired.add(pool);
    long delay = Math.max(10_000, settings.connectionTimeout.toMillis() * 4);
    sweeper.schedule(
        () -> {
          retired.remove(pool);
          pool.dataSource.close();
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  /** Pools open now. */
  public int openPools() {
    return pools.size();
  }

  /** Physical tenant connections open now (permits taken). */
  public int openConnections() {
    return cap.taken();
  }

  public int globalCap() {
    return cap.cap();
  }

  @Override
  public void destroy() {
    sweeper.shutdownNow();
    for (TenantPool p : pools.values()) {
      p.dataSource.close();
    }
    pools.clear();
    for (TenantPool p : retired) {
      p.dataSource.close();
    }
    retired.clear();
    cap.shutdown();
    housekeeping.shutdownNow();
  }
}
