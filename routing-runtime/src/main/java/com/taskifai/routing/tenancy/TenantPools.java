package com.taskifai.routing.tenancy;

import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.CredentialDecryptionException;
import com.taskifai.routing.RoutingSettings;
import com.taskifai.tenantschema.TrialSchema;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * One HikariCP pool per tenant, created on first use from the tenant's decrypted credentials, and a
 * global cap on the physical connections of all pools together. Every physical connection takes a
 * permit of one semaphore ({@link CappedConnectionSource}); at the cap, the idle connections of
 * other tenants' pools are closed least-recently-used first, and when none is idle the request
 * fails fast and answers 503. Pools unused for the eviction time are closed by a sweeper.
 *
 * <p>A tenant is served only with the credentials stored for it: when they cannot be decrypted, or
 * the database server refuses them, its requests fail with {@link
 * SQLInvalidAuthorizationSpecException} (the router answers 503), the failure is logged once per
 * episode without any secret, counted ({@code taskifai.tenant.credential.failures}) and listed by
 * {@link #credentialFailures()} until a connection succeeds again. After a refusal the pool does
 * not ask the server again for {@link #CREDENTIAL_RETRY}, so a broken tenant costs one connection
 * timeout, not one per request.
 *
 * <p>A tenant whose database cannot be reached (its server is down) is backed off: after a failed
 * connection attempt, requests of that tenant fail at once with {@link TenantDatabaseUnreachable}
 * for a pause that doubles with each further failure (up to a limit), instead of each one waiting
 * for and hammering the server. The first connection that works again ends the back-off.
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
  private final CredentialCipher cipher;
  private final TenantRegistry registry;
  private final MeterRegistry meters;
  private final ConnectionBudgets budgets;
  private final TenantPoolMetrics poolMetrics;
  private final Semaphore permits;
  private final ConcurrentHashMap<UUID, TenantPool> pools = new ConcurrentHashMap<>();

  /**
   * The pools that may hold idle connections, least recently used first (guarded by itself). A pool
   * joins at the tail each time a request takes it and leaves when its idle connections are closed,
   * so finding the connection to close at the cap looks at a few pools instead of every open pool.
   */
  private final java.util.LinkedHashMap<UUID, TenantPool> recentlyUsed =
      new java.util.LinkedHashMap<>();

  private final Set<TenantPool> retired = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<UUID, AtomicLong> databaseSizes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, CredentialFailure> credentialFailures =
      new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final ScheduledExecutorService releaser;
  private final ScheduledThreadPoolExecutor housekeeping;
  private final long releaseGraceMillis;
  private final ConcurrentHashMap<UUID, Backoff> unreachable = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicBoolean evictingAhead =
      new java.util.concurrent.atomic.AtomicBoolean();
  private static final long SHORTAGE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
  private volatile long lastShortageNanos = System.nanoTime() - SHORTAGE_WINDOW_NANOS;
  static final long FIRST_PAUSE_MILLIS = 500;
  static final long MAX_PAUSE_MILLIS = 8_000;

  /** Until when (System.nanoTime) a tenant's database is not tried again, and the last pause. */
  record Backoff(long retryAtNanos, long pauseMillis) {}

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

  /** A tenant's pool and what it was built from. */
  static final class TenantPool {
    final UUID tenantId;
    final String fingerprint;
    final String username;
    final String serverId;
    final boolean trial;
    final HikariDataSource dataSource;
    volatile long lastUsedNanos = System.nanoTime();
    volatile long refusedUntilNanos = System.nanoTime();

    TenantPool(
        UUID tenantId,
        String fingerprint,
        String username,
        String serverId,
        boolean trial,
        HikariDataSource dataSource) {
      this.tenantId = tenantId;
      this.fingerprint = fingerprint;
      this.username = username;
      this.serverId = serverId;
      this.trial = trial;
      this.dataSource = dataSource;
    }

    int idle() {
      HikariPoolMXBean mx = dataSource.getHikariPoolMXBean();
      return mx == null ? 0 : mx.getIdleConnections();
    }

    int active() {
      HikariPoolMXBean mx = dataSource.getHikariPoolMXBean();
      return mx == null ? 0 : mx.getActiveConnections() + mx.getThreadsAwaitingConnection();
    }
  }

  public TenantPools(
      RoutingSettings settings,
      CredentialCipher cipher,
      TenantRegistry registry,
      MeterRegistry meters,
      TenantDirectory directory,
      ConnectionBudgets budgets) {
    this.settings = settings;
    this.cipher = cipher;
    this.registry = registry;
    this.meters = meters;
    this.budgets = budgets;
    this.poolMetrics = new TenantPoolMetrics(meters);
    this.permits = new Semaphore(settings.globalConnectionCap, true);
    this.releaseGraceMillis = settings.connectionReleaseGrace.toMillis();
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tenant-pool-sweeper");
              t.setDaemon(true);
              return t;
            });
    this.housekeeping =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "tenant-pool-housekeeping");
              t.setDaemon(true);
              return t;
            });
    housekeeping.setRemoveOnCancelPolicy(true);
    this.releaser =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tenant-connection-permits");
              t.setDaemon(true);
              return t;
            });
    long period =
        Math.max(
            100,
            Math.min(settings.poolIdleEviction.toMillis() / 2, Duration.ofSeconds(30).toMillis()));
    sweeper.scheduleWithFixedDelay(this::closeUnusedPools, period, period, TimeUnit.MILLISECONDS);
    sweeper.scheduleWithFixedDelay(this::measureDatabaseSizes, 5, 60, TimeUnit.SECONDS);
    directory.addChangeListener(id -> sweeper.execute(() -> onTenantChanged(id)));
    budgets.onOverBudget(id -> sweeper.execute(() -> shrinkToBudget(id)));
    Gauge.builder("taskifai.router.tenants.credentials.failing", credentialFailures, Map::size)
        .description("Tenants not served because their stored database credentials fail")
        .register(meters);
  }

  /**
   * A connection of the tenant's own pool.
   *
   * @throws SQLTransientConnectionException when no connection could be had in time (global cap)
   * @throws SQLInvalidAuthorizationSpecException when the tenant's stored credentials cannot be
   *     decrypted or the database server refuses them
   */
  public Connection connection(Tenant tenant) throws SQLException {
    UUID id = tenant.tenantId();
    Backoff backoff = unreachable.get(id);
    if (backoff != null && System.nanoTime() - backoff.retryAtNanos() < 0) {
      throw new TenantDatabaseUnreachable(
          id, seconds(backoff.retryAtNanos() - System.nanoTime()), null);
    }
    try {
      Connection c = connect(tenant);
      if (backoff != null && unreachable.remove(id) != null) {
        log.info("the database of tenant {} answers again", id);
      }
      return c;
    } catch (SQLException e) {
      if (!databaseUnreachable(e)) {
        throw e;
      }
      Backoff next = backOff(id);
      log.warn(
          "the database of tenant {} cannot be reached ({}); not trying again for {} ms",
          id,
          e.getMessage(),
          next.pauseMillis());
      throw new TenantDatabaseUnreachable(id, seconds(next.pauseMillis() * 1_000_000L), e);
    }
  }

  private Connection connect(Tenant tenant) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      TenantPool pool;
      try {
        pool = poolFor(tenant);
      } catch (UnusableCredentials e) {
        credentialFailure(tenant.tenantId(), "undecryptable", e.getMessage());
        throw new SQLInvalidAuthorizationSpecException(e.getMessage(), "28000");
      }
      if (pool.refusedUntilNanos - System.nanoTime() > 0) {
        throw new SQLInvalidAuthorizationSpecException(refusedMessage(pool), "28P01");
      }
      try {
        Connection c = pool.dataSource.getConnection();
        touch(pool);
        if (!credentialFailures.isEmpty() && credentialFailures.remove(pool.tenantId) != null) {
          log.info("tenant {}: its stored database credentials work again", pool.tenantId);
        }
        return c;
      } catch (SQLException e) {
        if (refusedCredentials(e)) {
          pool.refusedUntilNanos = System.nanoTime() + CREDENTIAL_RETRY.toNanos();
          credentialFailure(pool.tenantId, "refused", refusedMessage(pool));
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
    return Map.copyOf(credentialFailures);
  }

  private static String refusedMessage(TenantPool pool) {
    return "the database server refuses the stored credentials of role " + pool.username;
  }

  /** SQLSTATE class 28 (invalid authorization: wrong password, no such role, no hba rule). */
  private static boolean refusedCredentials(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && sql.getSQLState().startsWith("28")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Records that a tenant's database could not be reached (also when a connection broke during a
   * request) and returns the back-off now in force.
   */
  Backoff backOff(UUID tenantId) {
    long now = System.nanoTime();
    return unreachable.merge(
        tenantId,
        new Backoff(now + FIRST_PAUSE_MILLIS * 1_000_000L, FIRST_PAUSE_MILLIS),
        (was, first) -> {
          if (now - was.retryAtNanos() < 0) {
            return was; // Requests that were already waiting: the pause in force stands.
          }
          long pause = Math.min(was.pauseMillis() * 2, MAX_PAUSE_MILLIS);
          return new Backoff(now + pause * 1_000_000L, pause);
        });
  }

  /** Tenants whose database is being backed off now. */
  public int unreachableDatabases() {
    return unreachable.size();
  }

  private static long seconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /**
   * True when the failure says the database server cannot be reached or is shutting down (SQL state
   * class 08, 57P01-57P03, or a refused or timed out socket), not the global cap (whose failure has
   * no SQL state).
   */
  public static boolean databaseUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03")) {
          return true;
        }
      }
      if (t instanceof java.net.ConnectException || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Counts a failure; logs it when a tenant starts failing or fails for another reason. */
  private void credentialFailure(UUID tenantId, String reason, String detail) {
    Counter.builder("taskifai.tenant.credential.failures")
        .tag("tenant", tenantId.toString())
        .tag("reason", reason)
        .description("Connections refused or never tried because stored credentials fail")
        .register(meters)
        .increment();
    CredentialFailure before = credentialFailures.get(tenantId);
    credentialFailures.merge(
        tenantId,
        new CredentialFailure(reason, Instant.now(), 1),
        (old, now) ->
            old.reason().equals(reason)
                ? new CredentialFailure(reason, old.since(), old.failures() + 1)
                : now);
    if (before == null || !before.reason().equals(reason)) {
      log.error(
          "tenant {} is not served: {}; it answers 503 until its credentials are repaired",
          tenantId,
          detail);
    }
  }

  /** A tenant's stored credentials cannot be decrypted (altered, or sealed with another key). */
  private static final class UnusableCredentials extends RuntimeException {
    UnusableCredentials(String message) {
      super(message, null, false, false);
    }
  }

  /** What a pool is built from: a tenant moved or given new credentials gets a new pool. */
  private static String fingerprint(Tenant tenant) {
    return tenant.encryptedDatabaseUrl()
        + "|"
        + tenant.encryptedDatabaseKey()
        + "|"
        + tenant.databaseServerId();
  }

  TenantPool poolFor(Tenant tenant) {
    String fingerprint = fingerprint(tenant);
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
              return open(tenant, fingerprint);
            });
    pool.lastUsedNanos = System.nanoTime();
    return pool;
  }

  /**
   * Puts a pool at the tail of {@link #recentlyUsed}, once it has lent a connection: while that is
   * in use the pool is busy and stays indexed, so the connection is found when it comes back idle.
   */
  private void touch(TenantPool pool) {
    synchronized (recentlyUsed) {
      recentlyUsed.remove(pool.tenantId);
      recentlyUsed.put(pool.tenantId, pool);
    }
  }

  private TenantPool open(Tenant tenant, String fingerprint) {
    TenantCredentials creds;
    try {
      creds = TenantCredentials.decrypt(cipher, tenant);
    } catch (CredentialDecryptionException | IllegalStateException e) {
      throw new UnusableCredentials(
          "its stored database credentials cannot be decrypted (" + e.getMessage() + ")");
    }
    PGSimpleDataSource pg = new PGSimpleDataSource();
    pg.setUrl(creds.jdbcUrl());
    pg.setUser(creds.username());
    pg.setPassword(creds.password());
    pg.setApplicationName("taskifai-router");
    // Every tenant server is PostgreSQL 9.0 or newer: the driver then sends extra_float_digits and
    // application_name with the startup message instead of a SET statement each after login, two
    // round trips less for every new connection.
    pg.setAssumeMinServerVersion("9.0");
    // The login is bounded by the connect and socket timeouts, on the pool's own thread: the
    // driver's login timeout would start a thread per connection (CappedConnectionSource does not
    // pass HikariCP's on, and clears the socket timeout once logged in).
    int loginSeconds = (int) Math.max(1, (settings.connectionTimeout.toMillis() + 999) / 1000);
    pg.setConnectTimeout(loginSeconds);
    pg.setSocketTimeout(loginSeconds);
    pg.setLoginTimeout(0);
    // Closing a connection waits until its server backend has exited, so a permit of the global
    // cap never comes back while the old session still counts on the server.
    pg.setSocketFactory(SynchronousCloseSocketFactory.class.getName());
    HikariConfig c = new HikariConfig();
    c.setPoolName("tenant-" + tenant.tenantId());
    c.setDataSource(
        new CappedConnectionSource(
            pg, this, tenant.tenantId(), budgets.forServer(tenant.databaseServerId())));
    c.setMaximumPoolSize(settings.maxConnectionsPerTenant);
    c.setMinimumIdle(0);
    c.setIdleTimeout(Math.max(10_000, settings.connectionIdleTimeout.toMillis()));
    c.setConnectionTimeout(Math.max(250, settings.connectionTimeout.toMillis()));
    // Lazy: the pool opens no connection until a request needs one.
    c.setInitializationFailTimeout(-1);
    // Meters of an earlier pool of the same tenant are replaced, not kept (see TenantPoolMetrics).
    c.setMetricsTrackerFactory(poolMetrics);
    // One housekeeping thread for all tenant pools instead of one per pool.
    c.setScheduledExecutor(housekeeping);
    log.info("opening the connection pool of tenant {}", tenant.tenantId());
    HikariDataSource dataSource = new HikariDataSource(c);
    PoolThreads.keepAlive(dataSource, settings.poolThreadKeepAlive);
    return new TenantPool(
        tenant.tenantId(),
        fingerprint,
        creds.username(),
        tenant.databaseServerId(),
        tenant.isTrial(),
        dataSource);
  }

  /**
   * Takes a slot of the server's connection budget (when it has one) and a permit of the global cap
   * for a new physical connection of {@code forTenant}; when either is used up, closes an idle pool
   * of another tenant (on the same server for the budget), least recently used first, and waits a
   * moment for its connection to close.
   *
   * @throws SQLTransientConnectionException when the server's budget stays used up
   */
  boolean acquirePermit(UUID forTenant, ServerBudget server)
      throws InterruptedException, SQLTransientConnectionException {
    if (server != null && !server.tryTake()) {
      boolean closing = closeIdlePool(forTenant, server.serverId);
      if (!server.take(closing ? Math.max(500, releaseGraceMillis * 5) : waitMillis())) {
        throw new SQLTransientConnectionException(
            "the connection budget of database server " + server.serverId + " is in use");
      }
    }
    boolean permitted;
    try {
      permitted = acquireGlobal(forTenant);
    } catch (InterruptedException | RuntimeException e) {
      if (server != null) {
        server.give();
      }
      throw e;
    }
    if (!permitted && server != null) {
      server.give();
    }
    return permitted;
  }

  private boolean acquireGlobal(UUID forTenant) throws InterruptedException {
    if (permits.tryAcquire()) {
      if (System.nanoTime() - lastShortageNanos < SHORTAGE_WINDOW_NANOS) {
        keepHeadroom();
      }
      return true;
    }
    lastShortageNanos = System.nanoTime();
    keepHeadroom();
    if (closeIdlePool(forTenant, null)) {
      // Idle connections close in the background; their permits come back a moment later.
      return permits.tryAcquire(Math.max(500, releaseGraceMillis * 5), TimeUnit.MILLISECONDS);
    }
    return permits.tryAcquire(waitMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Near the cap, while connections were short in the last seconds (more tenants want one than the
   * cap holds), closes the idle connections of least recently used pools in the background, so a
   * request for a tenant without a connection finds a free permit at once instead of waiting for an
   * old connection to close (which waits for its server backend to exit) before opening its own:
   * under round robin over more tenants than the cap, closing and opening then overlap.
   */
  private void keepHeadroom() {
    int headroom = Math.max(1, settings.globalConnectionCap / 5);
    if (permits.availablePermits() >= headroom || !evictingAhead.compareAndSet(false, true)) {
      return;
    }
    try {
      housekeeping.execute(
          () -> {
            try {
              for (int i = headroom - permits.availablePermits(); i > 0; i--) {
                if (!closeIdlePool(null, null)) {
                  break;
                }
              }
            } finally {
              evictingAhead.set(false);
            }
          });
    } catch (RuntimeException e) {
      evictingAhead.set(false);
    }
  }

  private long waitMillis() {
    return Math.max(200, releaseGraceMillis * 2);
  }

  /**
   * Closes the idle connections of the least recently used pool of another tenant (on {@code
   * serverId} when given) that has some; false when there is none. The pool itself stays open (its
   * next request opens a new connection), so round robin over more tenants than the cap does not
   * build and tear down a pool (threads, meters, decryption) on every request; the sweeper closes
   * pools unused for the eviction time.
   */
  private boolean closeIdlePool(UUID forTenant, String serverId) {
    while (true) {
      TenantPool victim = leastRecentlyUsedIdle(forTenant, serverId);
      if (victim == null) {
        return false;
      }
      if (closeIdleConnections(victim) > 0) {
        log.debug(
            "connection cap or budget reached: closed the idle connections of tenant {}",
            victim.tenantId);
        return true;
      }
    }
  }

  /**
   * Takes out of {@link #recentlyUsed} and returns the least recently used pool of another tenant
   * (on {@code serverId} when given) that has idle connections and none in use; null when there is
   * none. A connection lent by a pool puts it at the tail ({@link #touch}), so every idle
   * connection belongs to an indexed pool. Pools passed over with nothing to close (closed,
   * replaced, or without connections) leave the index too; busy pools and pools of other tenants or
   * servers stay.
   */
  private TenantPool leastRecentlyUsedIdle(UUID forTenant, String serverId) {
    synchronized (recentlyUsed) {
      var it = recentlyUsed.values().iterator();
      while (it.hasNext()) {
        TenantPool p = it.next();
        if ((forTenant != null && p.tenantId.equals(forTenant))
            || (serverId != null && !serverId.equals(p.serverId))) {
          continue;
        }
        if (p.dataSource.isClosed() || pools.get(p.tenantId) != p) {
          it.remove();
          continue;
        }
        if (p.active() > 0) {
          continue;
        }
        it.remove();
        if (p.idle() > 0) {
          return p;
        }
      }
      return null;
    }
  }

  /** Closes a pool's idle connections now (busy ones stay); returns how many were idle. */
  private static int closeIdleConnections(TenantPool p) {
    HikariPoolMXBean mx = p.dataSource.getHikariPoolMXBean();
    if (mx == null || p.dataSource.isClosed()) {
      return 0;
    }
    int idle = mx.getIdleConnections();
    if (idle > 0) {
      // Evicts idle connections at once; a busy one is evicted when it is returned.
      mx.softEvictConnections();
    }
    return idle;
  }

  /**
   * Closes idle pools on a server where this router holds more connections than its share of the
   * server's budget (another router joined, or the claim could not be renewed), least recently used
   * first, until the idle connections closed cover the excess.
   */
  void shrinkToBudget(String serverId) {
    ServerBudget server = budgets.forServer(serverId);
    int excess = server.excess();
    if (excess <= 0) {
      return;
    }
    List<TenantPool> idle = new ArrayList<>();
    for (TenantPool p : pools.values()) {
      if (serverId.equals(p.serverId) && p.active() == 0 && p.idle() > 0) {
        idle.add(p);
      }
    }
    idle.sort(Comparator.comparingLong(p -> p.lastUsedNanos));
    for (TenantPool p : idle) {
      if (excess <= 0) {
        break;
      }
      int closed = closeIdleConnections(p);
      if (closed > 0) {
        log.debug(
            "over the budget of server {}: closed the idle connections of tenant {}",
            serverId,
            p.tenantId);
        excess -= closed;
      }
    }
  }

  /**
   * Gives a permit (and the server budget's slot) back after its connection closed. The close
   * itself waited until the server's backend process exited ({@link
   * SynchronousCloseSocketFactory}); the optional grace covers the moment until the postmaster has
   * reaped it, in which it may still count against the server's {@code max_connections}.
   */
  void releasePermit(ServerBudget server) {
    if (releaseGraceMillis <= 0) {
      release(server);
    } else {
      releaser.schedule(() -> release(server), releaseGraceMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void release(ServerBudget server) {
    permits.release();
    if (server != null) {
      server.give();
    }
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
   * Reads the size of each tenant database whose pool has an idle connection right now (for a
   * trial, its own rows' share of the shared database, {@link TrialSchema#rowShare}); a busy or
   * closed pool is skipped, so measuring never opens a connection nor waits for one.
   */
  public void measureDatabaseSizes() {
    for (TenantPool p : pools.values()) {
      HikariPoolMXBean mx = p.dataSource.getHikariPoolMXBean();
      if (mx == null || mx.getIdleConnections() == 0 || p.dataSource.isClosed()) {
        continue;
      }
      try (Connection c = p.dataSource.getConnection()) {
        // A trial's database is shared: its size is its own rows' share, never the whole.
        long bytes = p.trial ? TrialSchema.rowShare(c, p.tenantId) : databaseSize(c);
        databaseSizes
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

  private void onTenantChanged(UUID tenantId) {
    TenantPool pool = pools.get(tenantId);
    if (pool == null && !credentialFailures.containsKey(tenantId)) {
      return;
    }
    Optional<Tenant> now = registry.findById(tenantId);
    if (now.isEmpty() || !now.get().servesTraffic()) {
      credentialFailures.remove(tenantId);
    }
    if (pool == null) {
      return;
    }
    boolean keep =
        now.isPresent()
            && now.get().servesTraffic()
            && pool.fingerprint.equals(fingerprint(now.get()));
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
    synchronized (recentlyUsed) {
      recentlyUsed.remove(pool.tenantId, pool);
    }
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
    return settings.globalConnectionCap - permits.availablePermits();
  }

  public int globalCap() {
    return settings.globalConnectionCap;
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
    releaser.shutdownNow();
    housekeeping.shutdownNow();
  }
}
