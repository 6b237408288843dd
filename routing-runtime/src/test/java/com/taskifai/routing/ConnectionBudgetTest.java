package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.tenancy.ConnectionBudgets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two routing runtimes against one database server with a connection budget of 6: under load over
 * many tenants, the connections both hold together (counted on the server) never exceed the budget,
 * both keep serving, and a request that finds no connection gets 503 with Retry-After.
 */
class ConnectionBudgetTest {
  static final int BUDGET = 6;
  static final int TENANTS = 24;
  static final String SERVER = "budget-srv";

  static TenantFixture fixture;
  static List<TenantFixture.TestTenant> tenants = new ArrayList<>();
  static List<String> databases;
  static RouterApp first;
  static RouterApp second;

  @BeforeAll
  static void twoRoutersOneBudgetedServer() {
    fixture = new TenantFixture();
    new DatabaseServers(fixture.platform.platform())
        .upsert(
            fixture.cipher,
            SERVER,
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            1000);
    JdbcClient registry = JdbcClient.create(fixture.platform.platform());
    registry
        .sql("UPDATE database_servers SET connection_budget = :b WHERE id = :id")
        .param("b", BUDGET)
        .param("id", SERVER)
        .update();
    for (int i = 0; i < TENANTS; i++) {
      TenantFixture.TestTenant t =
          fixture.createFromTemplate(TenantFixture.subdomain("budget" + i));
      registry
          .sql("UPDATE tenants SET database_server_id = :s WHERE tenant_id = :id")
          .param("s", SERVER)
          .param("id", t.id())
          .update();
      tenants.add(t);
    }
    databases = tenants.stream().map(TenantFixture.TestTenant::database).toList();
    Map<String, String> settings =
        Map.of(
            // Each router alone could open 20: only the shared budget keeps them at 6.
            "taskifai.pool.global-cap", "20",
            "taskifai.pool.max-per-tenant", "2",
            "taskifai.pool.eviction", "PT1S",
            "taskifai.pool.connection-timeout", "PT0.5S",
            "taskifai.router.budget-heartbeat", "PT0.2S",
            "taskifai.router.budget-lease", "PT2S");
    first = new RouterApp(fixture, settings);
    second = new RouterApp(fixture, settings);
  }

  @AfterAll
  static void stop() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void twoRoutersTogetherNeverHoldMoreThanTheServersBudgetAndBothServe() throws Exception {
    // Both routers see each other and split the budget.
    awaitShares(first, second);
    ConnectionBudgets.Share a = first.bean(ConnectionBudgets.class).shares().get(SERVER);
    ConnectionBudgets.Share b = second.bean(ConnectionBudgets.class).shares().get(SERVER);
    assertThat(a.budget()).isEqualTo(BUDGET);
    assertThat(a.target() + b.target()).isEqualTo(BUDGET);

    AtomicInteger most = new AtomicInteger();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler = sampler(most, sampling);
    sampler.start();
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    Map<RouterApp, AtomicInteger> served = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> badBusy = new ConcurrentLinkedQueue<>();
    ExecutorService load = Executors.newFixedThreadPool(12);
    long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    AtomicInteger next = new AtomicInteger();
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < 12; w++) {
        workers.add(
            load.submit(
                () -> {
                  while (System.nanoTime() < end) {
                    int n = next.getAndIncrement();
                    RouterApp app = n % 2 == 0 ? first : second;
                    TenantFixture.TestTenant t = tenants.get((n / 2) % TENANTS);
                    RouterApp.Response r =
                        app.get(t.subdomain() + ".localhost", "/api/products", app.adminToken(t));
                    statuses
                        .computeIfAbsent(r.status(), s -> new AtomicInteger())
                        .incrementAndGet();
                    if (r.status() == 200) {
                      served.computeIfAbsent(app, x -> new AtomicInteger()).incrementAndGet();
                    } else if (r.status() == 503 && r.header("Retry-After") == null) {
                      badBusy.add(r.body());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    } finally {
      load.shutdownNow();
      sampling.set(false);
      sampler.join();
    }
    System.out.printf(
        "two routers, budget %d: statuses %s, served %d + %d, most connections seen %d%n",
        BUDGET,
        statuses,
        served.getOrDefault(first, new AtomicInteger()).get(),
        served.getOrDefault(second, new AtomicInteger()).get(),
        most.get());
    assertThat(statuses.keySet()).as("statuses %s", statuses).isSubsetOf(200, 503);
    assertThat(badBusy).as("503 without Retry-After").isEmpty();
    assertThat(served.get(first)).as("first router served").isNotNull();
    assertThat(served.get(first).get()).isPositive();
    assertThat(served.get(second)).as("second router served").isNotNull();
    assertThat(served.get(second).get()).isPositive();
    assertThat(most.get())
        .as("most connections of both routers on the server at once")
        .isPositive()
        .isLessThanOrEqualTo(BUDGET);
    assertThat(first.metrics())
        .containsPattern(
            "taskifai_router_server_connections_limit\\{[^}]*server=\"" + SERVER + "\"");
    assertThat(
            first.bean(ConnectionBudgets.class).held(SERVER)
                + second.bean(ConnectionBudgets.class).held(SERVER))
        .isLessThanOrEqualTo(BUDGET);
  }

  @Test
  void aClaimOfARouterThatStoppedRenewingIsFreedAfterTheLease() throws Exception {
    awaitShares(first, second);
    // A third router that claims the whole budget and then dies (its row is never renewed).
    UUID ghost = UUID.randomUUID();
    JdbcClient.create(fixture.platform.platform())
        .sql(
            "INSERT INTO router_budget_claims (server_id, router_id, slots, heartbeat_at)"
                + " VALUES (:s, :r, 0, now())")
        .param("s", SERVER)
        .param("r", ghost)
        .update();
    // Both live routers shrink to a third of the budget while the ghost counts as live.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    int routers = 0;
    while (System.nanoTime() < deadline && routers != 3) {
      routers = first.bean(ConnectionBudgets.class).shares().get(SERVER).routers();
      Thread.sleep(50);
    }
    assertThat(routers).isEqualTo(3);
    assertThat(first.bean(ConnectionBudgets.class).shares().get(SERVER).target())
        .isEqualTo(BUDGET / 3);
    // After the lease (2 s) its row is gone and the two routers split the budget again.
    deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline
        && first.bean(ConnectionBudgets.class).shares().get(SERVER).routers() != 2) {
      Thread.sleep(100);
    }
    assertThat(first.bean(ConnectionBudgets.class).shares().get(SERVER).routers()).isEqualTo(2);
    Integer left =
        JdbcClient.create(fixture.platform.platform())
            .sql("SELECT count(*) FROM router_budget_claims WHERE router_id = :r")
            .param("r", ghost)
            .query(Integer.class)
            .single();
    assertThat(left).isZero();
    TenantFixture.TestTenant t = tenants.get(0);
    assertThat(
            first.get(t.subdomain() + ".localhost", "/api/products", first.adminToken(t)).status())
        .isEqualTo(200);
  }

  private static void awaitShares(RouterApp... apps) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (RouterApp app : apps) {
      ConnectionBudgets budgets = app.bean(ConnectionBudgets.class);
      while (System.nanoTime() < deadline
          && (budgets.shares().get(SERVER) == null
              || budgets.shares().get(SERVER).routers() != apps.length)) {
        Thread.sleep(50);
      }
      assertThat(budgets.shares().get(SERVER)).isNotNull();
      assertThat(budgets.shares().get(SERVER).routers()).isEqualTo(apps.length);
    }
  }

  private static Thread sampler(AtomicInteger most, AtomicBoolean sampling) {
    return new Thread(
        () -> {
          try (Connection c = TestPostgres.superuser("postgres").getConnection();
              PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY (?)"
                          + " AND backend_type = 'client backend'")) {
            ps.setArray(1, c.createArrayOf("text", databases.toArray()));
            while (sampling.get()) {
              try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                most.accumulateAndGet(rs.getInt(1), Math::max);
              }
              Thread.sleep(2);
            }
          } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
