package com.taskifai.routing.tenancy;

import com.taskifai.registry.RouterBudgetClaims;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Holds each database server's connection budget ({@code database_servers.connection_budget})
 * across all routing runtimes, through the registry. Every router renews, once per heartbeat and
 * under one transaction-scoped advisory lock, a claim row per budgeted server ({@link
 * RouterBudgetClaims}): its fair share ({@code budget / live routers}, the remainder to the first
 * routers by id), but never less than it holds nor more than the other routers leave. The claims of
 * a server therefore never add up to more than its budget, and a router holds no more connections
 * than its claim ({@link ServerBudget}). A router that joins gets its share once the others have
 * closed enough connections (they shrink to their share at their next heartbeat); a router that
 * stops renewing loses its claim after the lease, and one that cannot renew opens no new connection
 * on a budgeted server once its lease is nearly over.
 */
@Component
public class ConnectionBudgets implements DisposableBean {
  private static final Logger log = LoggerFactory.getLogger(ConnectionBudgets.class);

  /** A server's budget as this router saw it at its last renewal. */
  public record Share(String serverId, int budget, int routers, int target, int claim) {}

  private final RouterBudgetClaims claims;
  private final MeterRegistry meters;
  private final UUID routerId = UUID.randomUUID();
  private final Duration heartbeat;
  private final Duration lease;
  private final ConcurrentHashMap<String, ServerBudget> servers = new ConcurrentHashMap<>();
  private volatile Map<String, Share> shares = Map.of();
  private volatile Consumer<String> overBudget = id -> {};
  private final ScheduledExecutorService timer;
  private volatile long lastRenewalStartNanos;
  private volatile boolean fenced;

  @org.springframework.beans.factory.annotation.Autowired
  public ConnectionBudgets(
      RouterBudgetClaims claims,
      MeterRegistry meters,
      com.taskifai.routing.RouterProperties router) {
    this(claims, meters, router.budgetHeartbeat(), router.budgetLease());
  }

  public ConnectionBudgets(
      RouterBudgetClaims claims, MeterRegistry meters, Duration heartbeat, Duration lease) {
    if (heartbeat.isNegative()
        || heartbeat.isZero()
        || lease.compareTo(heartbeat.multipliedBy(3)) < 0) {
      throw new IllegalArgumentException(
          "taskifai.router.budget-lease must be at least three budget heartbeats");
    }
    this.claims = claims;
    this.meters = meters;
    this.heartbeat = heartbeat;
    this.lease = lease;
    this.lastRenewalStartNanos = System.nanoTime() - lease.toNanos();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("router-connection-budget"));
    // The first renewal runs before any request, so budgeted servers are limited from the start.
    tick();
    timer.scheduleWithFixedDelay(
        this::tick, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** This router's id in {@code router_budget_claims}. */
  public UUID routerId() {
    return routerId;
  }

  /** Budgeted servers as seen at the last renewal. */
  public Map<String, Share> shares() {
    return shares;
  }

  /** Connections this router holds on a server now (counted for every server, budgeted or not). */
  public int held(String serverId) {
    ServerBudget b = servers.get(serverId);
    return b == null ? 0 : b.held();
  }

  /** The most connections this router may hold on a server now; -1 when it has no budget. */
  public int limit(String serverId) {
    ServerBudget b = servers.get(serverId);
    return b == null ? -1 : b.limit();
  }

  /** Told the id of a server on which this router holds more connections than its share. */
  void onOverBudget(Consumer<String> listener) {
    this.overBudget = listener;
  }

  /** The local account of a server's connections; null for a tenant with no server recorded. */
  ServerBudget forServer(String serverId) {
    if (serverId == null) {
      return null;
    }
    return servers.computeIfAbsent(
        serverId,
        id -> {
          ServerBudget b = newBudget(id);
          Share s = shares.get(id);
          if (s != null) {
            b.limitTo(s.target());
            b.claimed(s.claim());
          }
          return b;
        });
  }

  private ServerBudget newBudget(String serverId) {
    ServerBudget b = new ServerBudget(serverId);
    Gauge.builder("taskifai.router.server.connections.held", b, ServerBudget::held)
        .tag("server", serverId)
        .description("Tenant connections this router holds on the database server")
        .register(meters);
    Gauge.builder("taskifai.router.server.connections.limit", b, ServerBudget::limit)
        .tag("server", serverId)
        .description("This router's share of the server's connection budget (-1: no budget)")
        .register(meters);
    return b;
  }

  private void tick() {
    try {
      renew();
      if (fenced) {
        fenced = false;
        log.info("connection budget claims renewed again");
      }
    } catch (SQLException | RuntimeException e) {
      long age = System.nanoTime() - lastRenewalStartNanos;
      if (age > lease.minus(heartbeat.multipliedBy(2)).toNanos()) {
        if (!fenced) {
          log.warn(
              "cannot renew the connection budget claims ({}); opening no new connection on"
                  + " budgeted servers until they are renewed",
              e.toString());
        }
        fenced = true;
        for (ServerBudget b : servers.values()) {
          b.fence();
          if (b.excess() > 0) {
            overBudget.accept(b.serverId);
          }
        }
      } else {
        log.debug("cannot renew the connection budget claims: {}", e.toString());
      }
    }
  }

  /** One renewal of this router's claims, in one transaction under the advisory lock. */
  void renew() throws SQLException {
    long start = System.nanoTime();
    Map<ServerBudget, Integer> committed = new HashMap<>();
    Map<String, Share> seen = new HashMap<>();
    claims.renew(
        routerId,
        lease,
        (budgets, claimsNow) -> {
          committed.clear();
          seen.clear();
          Map<String, Integer> mine = new HashMap<>();
          for (Map.Entry<String, Integer> e : budgets.entrySet()) {
            String serverId = e.getKey();
            int budget = e.getValue();
            Map<UUID, Integer> ofServer = claimsNow.getOrDefault(serverId, Map.of());
            TreeSet<UUID> routers = new TreeSet<>(ofServer.keySet());
            routers.add(routerId);
            int n = routers.size();
            int index = routers.headSet(routerId).size();
            int fair = budget / n + (index < budget % n ? 1 : 0);
            int others = 0;
            for (Map.Entry<UUID, Integer> claim : ofServer.entrySet()) {
              if (!claim.getKey().equals(routerId)) {
                others += claim.getValue();
              }
            }
            ServerBudget local = servers.computeIfAbsent(serverId, this::newBudget);
            int held = local.limitTo(fair);
            int claim = Math.max(0, Math.min(Math.max(fair, held), budget - others));
            mine.put(serverId, claim);
            committed.put(local, claim);
            seen.put(serverId, new Share(serverId, budget, n, fair, claim));
          }
          return mine;
        });
    lastRenewalStartNanos = start;
    shares = Map.copyOf(seen);
    for (Map.Entry<ServerBudget, Integer> e : committed.entrySet()) {
      e.getKey().claimed(e.getValue());
    }
    for (ServerBudget b : servers.values()) {
      if (!seen.containsKey(b.serverId)) {
        b.unlimit();
      } else if (b.excess() > 0) {
        overBudget.accept(b.serverId);
      }
    }
  }

  @Override
  public void destroy() {
    timer.shutdownNow();
    try {
      claims.release(routerId);
    } catch (SQLException | RuntimeException e) {
      log.debug("cannot give back the connection budget claims: {}", e.toString());
    }
  }
}
