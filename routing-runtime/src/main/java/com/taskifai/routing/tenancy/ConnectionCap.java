package com.taskifai.routing.tenancy;

import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global cap on the physical connections of all tenant pools together, and the servers'
 * connection budgets. Every physical connection takes a permit of one semaphore ({@link
 * CappedConnectionSource}) and, on a budgeted server, a slot of its {@link ServerBudget}; when
 * either is used up, the idle connections of other tenants' pools are closed least-recently-used
 * first, and when none is idle the request fails fast.
 */
final class ConnectionCap {
  private static final Logger log = LoggerFactory.getLogger(TenantPools.class);
  private static final long SHORTAGE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final int cap;
  private final Semaphore permits;
  private final long releaseGraceMillis;
  private final Executor housekeeping;
  private final Predicate<TenantPool> current;
  private final ScheduledExecutorService releaser;
  private final AtomicBoolean evictingAhead = new AtomicBoolean();
  private volatile long lastShortageNanos = System.nanoTime() - SHORTAGE_WINDOW_NANOS;

  /**
   * The pools that may hold idle connections, least recently used first (guarded by itself). A pool
   * joins at the tail each time a request takes it and leaves when its idle connections are closed,
   * so finding the connection to close at the cap looks at a few pools instead of every open pool.
   */
  private final LinkedHashMap<UUID, TenantPool> recentlyUsed = new LinkedHashMap<>();

  /**
   * @param housekeeping where idle connections are closed ahead of need
   * @param current whether a pool is still its tenant's pool (not closed or replaced)
   */
  ConnectionCap(
      int cap, Duration releaseGrace, Executor housekeeping, Predicate<TenantPool> current) {
    this.cap = cap;
    this.permits = new Semaphore(cap, true);
    this.releaseGraceMillis = releaseGrace.toMillis();
    this.housekeeping = housekeeping;
    this.current = current;
    this.releaser =
        Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("tenant-connection-permits"));
  }

  int cap() {
    return cap;
  }

  /** Physical tenant connections open now (permits taken). */
  int taken() {
    return cap - permits.availablePermits();
  }

  /**
   * Takes a slot of the server's connection budget (when it has one) and a permit of the global cap
   * for a new physical connection of {@code forTenant}; when either is used up, closes an idle pool
   * of another tenant (on the same server for the budget), least recently used first, and waits a
   * moment for its connection to close.
   *
   * @throws SQLTransientConnectionException when the server's budget stays used up
   */
  boolean acquire(UUID forTenant, ServerBudget server)
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
    int headroom = Math.max(1, cap / 5);
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
   * Puts a pool at the tail of the least-recently-used index, once it has lent a connection: while
   * that is in use the pool is busy and stays indexed, so the connection is found when it comes
   * back idle.
   */
  void touch(TenantPool pool) {
    synchronized (recentlyUsed) {
      recentlyUsed.remove(pool.tenantId);
      recentlyUsed.put(pool.tenantId, pool);
    }
  }

  /** Takes a pool that goes out of service out of the index. */
  void forget(TenantPool pool) {
    synchronized (recentlyUsed) {
      recentlyUsed.remove(pool.tenantId, pool);
    }
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
      if (victim.closeIdleConnections() > 0) {
        log.debug(
            "connection cap or budget reached: closed the idle connections of tenant {}",
            victim.tenantId);
        return true;
      }
    }
  }

  /**
   * Takes out of the index and returns the least recently used pool of another tenant (on {@code
   * serverId} when given) that has idle connections and none in use; null when there is none. A
   * connection lent by a pool puts it at the tail ({@link #touch}), so every idle connection
   * belongs to an indexed pool. Pools passed over with nothing to close (closed, replaced, or
   * without connections) leave the index too; busy pools and pools of other tenants or servers
   * stay.
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
        if (p.dataSource.isClosed() || !current.test(p)) {
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

  /**
   * Closes idle pools on a server where this router holds more connections than its share of the
   * server's budget (another router joined, or the claim could not be renewed), least recently used
   * first, until the idle connections closed cover the excess.
   */
  void shrinkToBudget(ServerBudget server, Collection<TenantPool> open) {
    int excess = server.excess();
    if (excess <= 0) {
      return;
    }
    List<TenantPool> idle = new ArrayList<>();
    for (TenantPool p : open) {
      if (server.serverId.equals(p.serverId) && p.active() == 0 && p.idle() > 0) {
        idle.add(p);
      }
    }
    idle.sort(Comparator.comparingLong(p -> p.lastUsedNanos));
    for (TenantPool p : idle) {
      if (excess <= 0) {
        break;
      }
      int closed = p.closeIdleConnections();
      if (closed > 0) {
        log.debug(
            "over the budget of server {}: closed the idle connections of tenant {}",
            server.serverId,
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
  void release(ServerBudget server) {
    if (releaseGraceMillis <= 0) {
      giveBack(server);
    } else {
      releaser.schedule(() -> giveBack(server), releaseGraceMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void giveBack(ServerBudget server) {
    permits.release();
    if (server != null) {
      server.give();
    }
  }

  void shutdown() {
    releaser.shutdownNow();
  }
}
