package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.RoutingRuntimeApplication;
import com.taskifai.routing.auth.TenantTokens;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code ./taskifai bench move [--rows N] [--rate W] [--online-only]}: a tenant with N (default
 * 1,000,000) {@code sellout_entries2} rows on server A, a second server B, and a client writing
 * products through a real routing runtime at W writes a second (default 50) for the whole run, each
 * write's client id and answer kept in a ledger. The tenant moves A → B online (logical
 * replication), then back B → A with pg_dump | pg_restore (the fallback), in one run.
 *
 * <p>Both servers are real embedded PostgreSQL 15 clusters with {@code wal_level = logical}; A runs
 * {@code max_logical_replication_workers = 0}, so it can be the source of an online move but not
 * the target of one: the move back says so in its progress and copies with pg_dump, as a move onto
 * any server that cannot subscribe does.
 *
 * <p>Per move: the total time (start until the registry points at the target), the write pause (the
 * longest gap between two acknowledged writes during the move), the 503s and other failed answers,
 * the latency p50/p99/max of the writes sent during the move, the time of each step of the write
 * hold (from the workflow history), and the acknowledged writes lost: every write the router
 * answered 2xx must be in the tenant's database after the move (the benchmark fails otherwise).
 */
public final class MoveBenchmark {
  static final String A = "local-2";
  static final String B = "local-3";

  /** After the swap, writes keep being counted this long (the router reconnects). */
  private static final Duration SETTLE = Duration.ofSeconds(3);

  /** One write of the ledger: client id, when sent and answered (nanoTime), the HTTP status. */
  record Write(String id, long sent, long answered, int status) {
    boolean acked() {
      return status >= 200 && status < 300;
    }
  }

  /** What one move measured. */
  record Leg(
      String name,
      String copyMode,
      String copyModeReason,
      double moveSeconds,
      double holdSeconds,
      long pauseMillis,
      int sent,
      int acked,
      int refused503,
      int failedOther,
      double p50Millis,
      double p99Millis,
      double maxMillis,
      int lost,
      int unackedButWritten,
      String holdSteps) {}

  /** The benchmark's result: the report and whether any acknowledged write was lost. */
  record Report(String text, List<Leg> legs) {
    void requireNothingLost() {
      for (Leg leg : legs) {
        if (leg.lost() != 0) {
          throw new AssertionError(leg.lost() + " acknowledged writes lost in " + leg.name());
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int rows = 1_000_000;
    int rate = 50;
    boolean onlineOnly = false;
    String usage = "usage: ./taskifai bench move [--rows N] [--rate W] [--online-only]";
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--rows" -> rows = Integer.parseInt(args[++i]);
          case "--rate" -> rate = Integer.parseInt(args[++i]);
          case "--online-only" -> onlineOnly = true;
          default -> throw new IllegalArgumentException(args[i]);
        }
      }
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      System.err.println(usage + " (not understood: " + e.getMessage() + ")");
      System.exit(2);
    }
    if (rows < 1 || rate < 1 || rate > 1000) {
      System.err.println("--rows must be at least 1 and --rate between 1 and 1000 writes a second");
      System.exit(2);
    }
    Report report = run(rows, rate, onlineOnly);
    System.out.println(report.text());
    System.exit(report.legs().stream().allMatch(l -> l.lost() == 0) ? 0 : 1);
  }

  /** Runs the benchmark and returns its report (a markdown table and the figures it rests on). */
  public static Report run(int rows, int rate, boolean onlineOnly) throws Exception {
    // The router is reached on 127.0.0.1 with the tenant's Host header.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    quiet();
    try (EmbeddedPlatform embedded = new EmbeddedPlatform()) {
      embedded.env.put(
          "TASKIFAI_BACKUP_DIR", Files.createTempDirectory("taskifai-bench-move").toString());
      try (SecondServer a =
              SecondServer.logical(embedded, A, Map.of("max_logical_replication_workers", "0"));
          SecondServer b = SecondServer.logical(embedded, B, Map.of());
          PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
          PlatformWorker worker = embedded.worker(activities)) {
        worker.start();
        a.state("local-1", "CLOSED"); // the platform's own server takes no tenant here
        b.state(B, "CLOSED");
        UUID tenant = BackupBenchmark.provision(embedded);
        b.state(B, "OPEN");
        TenantRegistry registry = new TenantRegistry(embedded.platform.platform());
        String database = registry.findById(tenant).orElseThrow().databaseName();
        if (!A.equals(registry.findById(tenant).orElseThrow().databaseServerId())) {
          throw new IllegalStateException("the tenant was not placed on " + A);
        }
        long t0 = System.nanoTime();
        BackupBenchmark.fill(a.superuser(A, database), rows);
        double fillSeconds = BackupBenchmark.seconds(t0);
        long dbBytes =
            JdbcClient.create(a.superuser(A, database))
                .sql("SELECT pg_database_size(current_database())")
                .query(Long.class)
                .single();
        UUID admin =
            JdbcClient.create(a.superuser(A, database))
                .sql("SELECT id FROM users WHERE email = 'bench@bench.test'")
                .query(UUID.class)
                .single();
        String subdomain = registry.findById(tenant).orElseThrow().subdomain();
        try (Router router = Router.start(embedded);
            Load load = new Load(router, subdomain, tenant, admin, rate)) {
          long loadStarted = System.nanoTime();
          load.start();
          Thread.sleep(5_000); // a steady load (and warm pools) before the first move
          List<Double> before =
              load.ledger.stream()
                  .filter(w -> w.acked() && w.sent() >= loadStarted)
                  .map(w -> (w.answered() - w.sent()) / 1e6)
                  .sorted()
                  .toList();
          List<Leg> legs = new ArrayList<>();
          legs.add(move(embedded, load, tenant, A, B, "A → B", a, b, database));
          if (!onlineOnly) {
            legs.add(move(embedded, load, tenant, B, A, "B → A", a, b, database));
          }
          load.stop();
          StringBuilder out = new StringBuilder();
          out.append(
              String.format(
                  "%nTenant: %,d sellout_entries2 rows, database %.1f MB (filled in %.1f s);"
                      + " %d writes/s through the router (POST /api/products), %d writes in"
                      + " all; write latency before the first move p50 %.0f ms, p99 %.0f ms;"
                      + " %s%n%n",
                  rows,
                  dbBytes / 1e6,
                  fillSeconds,
                  rate,
                  load.ledger.size(),
                  percentile(before, 0.50),
                  percentile(before, 0.99),
                  Instant.now()));
          out.append(
              "| move | copy | move (s) | write hold (s) | pause: longest gap between acks (ms)"
                  + " | 503s | other failures | write latency p50 / p99 / max (ms) | acked |"
                  + " acked writes lost |\n|---|---|---|---|---|---|---|---|---|---|\n");
          for (Leg l : legs) {
            out.append(
                String.format(
                    "| %s | %s | %.2f | %.2f | %d | %d | %d | %.0f / %.0f / %.0f | %d | %d |%n",
                    l.name(),
                    l.copyMode(),
                    l.moveSeconds(),
                    l.holdSeconds(),
                    l.pauseMillis(),
                    l.refused503(),
                    l.failedOther(),
                    l.p50Millis(),
                    l.p99Millis(),
                    l.maxMillis(),
                    l.acked(),
                    l.lost()));
          }
          out.append('\n');
          for (Leg l : legs) {
            out.append(
                String.format(
                    "%s (%s%s): hold steps %s; %d writes sent during the move, %d answered"
                        + " otherwise but written%n",
                    l.name(),
                    l.copyMode(),
                    l.copyModeReason() == null ? "" : ", " + l.copyModeReason(),
                    l.holdSteps(),
                    l.sent(),
                    l.unackedButWritten()));
          }
          return new Report(out.toString(), legs);
        }
      }
    }
  }

  /** One move under the load, measured; the old copy is retired before it returns. */
  private static Leg move(
      EmbeddedPlatform embedded,
      Load load,
      UUID tenant,
      String from,
      String to,
      String name,
      SecondServer a,
      SecondServer b,
      String database)
      throws Exception {
    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(WorkflowIds.move(tenant, to))
                .setWorkflowExecutionTimeout(Duration.ofHours(3))
                .build());
    long started = System.nanoTime();
    WorkflowClient.start(
        flow::move, new MoveTenantWorkflow.MoveRequest(tenant, to, 3600, "bench", null));
    WorkflowStub stub = WorkflowStub.fromTyped(flow);
    java.util.concurrent.CompletableFuture<String> result = stub.getResultAsync(String.class);
    // The swap is watched in the registry, not with queries: on a loaded machine a query (a
    // replay of the workflow on the worker) times out and takes CPU the move would miss.
    TenantRegistry registry = new TenantRegistry(embedded.platform.platform());
    long lastReport = System.nanoTime();
    while (!to.equals(registry.findById(tenant).orElseThrow().databaseServerId())) {
      if (result.isDone()) {
        throw new IllegalStateException(name + " ended before its swap: " + outcome(result));
      }
      Thread.sleep(100);
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(30)) {
        lastReport = System.nanoTime();
        System.err.printf(
            "  %s: not swapped yet (%.0f s)%n", name, BackupBenchmark.seconds(started));
      }
    }
    long swapSeen = System.nanoTime();
    Thread.sleep(SETTLE.toMillis());
    long windowEnd = System.nanoTime();
    History history = History.of(embedded.client, stub, "swap_server");
    MoveTenantWorkflow.MoveProgress progress = progress(flow);
    flow.retireNow();
    result.get(10, TimeUnit.MINUTES);

    // The ledger of the move: writes sent from its start until it settled.
    List<Write> during = new ArrayList<>();
    List<Long> acks = new ArrayList<>();
    for (Write w : load.ledger) {
      if (w.acked()) {
        acks.add(w.answered());
      }
      if (w.sent() >= started && w.sent() <= windowEnd) {
        during.add(w);
      }
    }
    acks.sort(null);
    long pause = 0;
    for (int i = 1; i < acks.size(); i++) {
      if (acks.get(i) >= started && acks.get(i - 1) <= windowEnd) {
        pause = Math.max(pause, acks.get(i) - acks.get(i - 1));
      }
    }
    List<Double> latencies =
        during.stream()
            .filter(Write::acked)
            .map(w -> (w.answered() - w.sent()) / 1e6)
            .sorted()
            .toList();
    // Every write the router acknowledged so far is in the database the tenant is on now.
    SecondServer server = to.equals(A) ? a : b;
    DataSource db = server.superuser(to, database);
    Set<String> present =
        new HashSet<>(
            JdbcClient.create(db)
                .sql("SELECT sku FROM products WHERE sku LIKE 'mb-%'")
                .query(String.class)
                .list());
    int lost = 0;
    int unackedButWritten = 0;
    for (Write w : load.ledger) {
      if (w.answered() > windowEnd) {
        continue;
      }
      if (w.acked() && !present.contains(w.id())) {
        lost++;
      } else if (!w.acked() && present.contains(w.id())) {
        unackedButWritten++;
      }
    }
    Leg leg =
        new Leg(
            name,
            progress.copyMode(),
            progress.copyModeReason(),
            (history.completed("swap_server") - history.workflowStarted()) / 1000.0,
            (history.completed("swap_server") - history.scheduled("hold_writes")) / 1000.0,
            TimeUnit.NANOSECONDS.toMillis(pause),
            during.size(),
            (int) during.stream().filter(Write::acked).count(),
            (int) during.stream().filter(w -> w.status() == 503).count(),
            (int) during.stream().filter(w -> !w.acked() && w.status() != 503).count(),
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
            latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1),
            lost,
            unackedButWritten,
            history.holdSteps());
    System.err.printf(
        "  %s: %s, swap seen after %.1f s; %s%n",
        name, leg.copyMode(), (swapSeen - started) / 1e9, leg);
    return leg;
  }

  /** The move's progress, asked again while a loaded worker times the query out. */
  private static MoveTenantWorkflow.MoveProgress progress(MoveTenantWorkflow flow)
      throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return flow.progress();
      } catch (io.temporal.client.WorkflowServiceException e) {
        if (attempt == 10) {
          throw e;
        }
        Thread.sleep(1_000);
      }
    }
  }

  private static String outcome(java.util.concurrent.CompletableFuture<String> result) {
    try {
      return result.getNow(null);
    } catch (RuntimeException e) {
      return e.toString();
    }
  }

  static double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /** Debug logging of every gRPC frame and HTTP request would be measured as move time. */
  private static void quiet() {
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
  }

  /** The activities of a move's history: when each was scheduled and completed (epoch ms). */
  private record History(long workflowStarted, List<String[]> activities) {
    /** The history once {@code activity} has completed in it (its event may lag the effect). */
    static History of(WorkflowClient client, WorkflowStub stub, String activity)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (true) {
        History h = of(client, stub);
        try {
          h.completed(activity);
          return h;
        } catch (IllegalStateException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(500);
        }
      }
    }

    static History of(WorkflowClient client, WorkflowStub stub) {
      var events =
          client
              .fetchHistory(stub.getExecution().getWorkflowId(), stub.getExecution().getRunId())
              .getEvents();
      Map<Long, String[]> byId = new HashMap<>();
      List<String[]> list = new ArrayList<>();
      long start = 0;
      for (var e : events) {
        long at = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
        if (e.hasWorkflowExecutionStartedEventAttributes()) {
          start = at;
        } else if (e.hasActivityTaskScheduledEventAttributes()) {
          String[] row = {
            e.getActivityTaskScheduledEventAttributes().getActivityType().getName(),
            Long.toString(at),
            "0"
          };
          byId.put(e.getEventId(), row);
          list.add(row);
        } else if (e.hasActivityTaskCompletedEventAttributes()) {
          byId.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId())[2] =
              Long.toString(at);
        }
      }
      return new History(start, list);
    }

    long scheduled(String activity) {
      return find(activity, 1);
    }

    long completed(String activity) {
      return find(activity, 2);
    }

    private long find(String activity, int column) {
      for (String[] row : activities) {
        if (row[0].equals(activity) && !"0".equals(row[2])) {
          return Long.parseLong(row[column]);
        }
      }
      throw new IllegalStateException("no completed " + activity + " in the move's history");
    }

    /** Each activity from hold_writes to swap_server, in seconds (scheduled to completed). */
    String holdSteps() {
      StringBuilder out = new StringBuilder();
      boolean in = false;
      for (String[] row : activities) {
        in |= row[0].equals("hold_writes");
        if (in && !"0".equals(row[2])) {
          out.append(
              String.format(
                  "%s %.2f s; ",
                  row[0], (Long.parseLong(row[2]) - Long.parseLong(row[1])) / 1000.0));
        }
        if (row[0].equals("swap_server")) {
          break;
        }
      }
      return out.toString().strip();
    }
  }

  /** The real routing runtime, started as the launcher starts it, on a free port. */
  private static final class Router implements AutoCloseable {
    final ConfigurableApplicationContext context;
    final int port;

    private Router(ConfigurableApplicationContext context) {
      this.context = context;
      this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    static Router start(EmbeddedPlatform embedded) {
      Map<String, Object> props = new HashMap<>();
      props.put("taskifai.env", ProductionSettings.DEV);
      props.put("TASKIFAI_ROUTER_PORT", "0");
      props.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", "0");
      props.put("taskifai.db.url", embedded.platform.jdbcUrl());
      props.put("taskifai.db.username", embedded.platform.role());
      props.put("taskifai.db.password", TestPostgres.PLATFORM_PASSWORD);
      props.put("taskifai.master-keys", embedded.masterKeys);
      props.put("taskifai.base-domain", "localhost");
      props.put("taskifai.tenant-jwt-secret", "bench-secret-" + UUID.randomUUID());
      props.put("logging.level.root", "WARN");
      Router router =
          new Router(
              new SpringApplicationBuilder(RoutingRuntimeApplication.class)
                  .properties(props)
                  .run());
      quiet();
      return router;
    }

    String token(UUID tenant, UUID user) {
      return context.getBean(TenantTokens.class).issue(tenant, user, "admin", Instant.now());
    }

    @Override
    public void close() {
      context.close();
    }
  }

  /**
   * W writes a second, each sent on time whatever the earlier ones wait for (an open loop: a slow
   * answer does not hide the writes after it), each a product whose sku is its client id.
   */
  private static final class Load implements AutoCloseable {
    final ConcurrentLinkedQueue<Write> ledger = new ConcurrentLinkedQueue<>();
    private final Router router;
    private final String host;
    private final UUID tenant;
    private final UUID admin;
    private final int rate;
    private final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService senders = Executors.newFixedThreadPool(64);
    private final AtomicLong next = new AtomicLong();
    private volatile String token;
    private volatile long tokenAt;

    Load(Router router, String subdomain, UUID tenant, UUID admin, int rate) {
      this.router = router;
      this.host = subdomain + ".localhost";
      this.tenant = tenant;
      this.admin = admin;
      this.rate = rate;
    }

    void start() {
      Write first = write("mb-probe", System.nanoTime());
      if (!first.acked()) {
        throw new IllegalStateException("the router refused the first write: " + first);
      }
      ticker.scheduleAtFixedRate(
          () -> {
            // Timed from its tick: a write that waits for a free sender waits as a client would.
            long due = System.nanoTime();
            String id = "mb-" + next.getAndIncrement();
            senders.execute(() -> ledger.add(write(id, due)));
          },
          0,
          1_000_000_000L / rate,
          TimeUnit.NANOSECONDS);
    }

    private Write write(String id, long sent) {
      int status;
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + router.port + "/api/products"))
                    .header("Host", host)
                    .header("Authorization", "Bearer " + token())
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"sku\":\"" + id + "\",\"name\":\"" + id + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        status = r.statusCode();
      } catch (IOException e) {
        status = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        status = -1;
      }
      return new Write(id, sent, System.nanoTime(), status);
    }

    /** A token of the tenant's admin, issued again every ten minutes (they live an hour). */
    private String token() {
      if (token == null || System.nanoTime() - tokenAt > TimeUnit.MINUTES.toNanos(10)) {
        synchronized (this) {
          if (token == null || System.nanoTime() - tokenAt > TimeUnit.MINUTES.toNanos(10)) {
            token = router.token(tenant, admin);
            tokenAt = System.nanoTime();
          }
        }
      }
      return token;
    }

    void stop() throws InterruptedException {
      ticker.shutdownNow();
      senders.shutdown();
      senders.awaitTermination(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
