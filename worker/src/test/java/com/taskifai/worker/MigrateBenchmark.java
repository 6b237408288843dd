package com.taskifai.worker;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.MigrationProgress;
import com.taskifai.workflows.migration.MigrationRequest;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * {@code ./taskifai bench migrate [--tenants N] [--concurrency C]}: makes N real tenant databases
 * from the template (roles, grants and registry rows as provisioning leaves them, without the
 * provisioning workflow; every copy holds 200 product rows), then runs, on the worker and the
 * Temporal test server in this JVM:
 *
 * <ol>
 *   <li>a no-op rollout (every tenant recorded at the target: the registry lists nobody);
 *   <li>a no-op rollout that visits every tenant (versions unknown to the registry: each tenant's
 *       child takes its lock, runs Flyway, which finds nothing, and re-applies grants and RLS);
 *   <li>a rollout of one additive migration (a nullable column and an index on {@code products}).
 * </ol>
 *
 * Prints wall time, tenants per second, p50/p99 per tenant, the most tenant database connections
 * seen at once and the largest worker heap.
 */
public final class MigrateBenchmark {
  private static final List<String> PRODUCT = List.of("classpath:db/tenant");
  private static final List<String> WITH_ADDITIVE =
      List.of("classpath:db/tenant", "classpath:db/tenant-bench");

  record Result(
      String label,
      int tenants,
      double wallSeconds,
      int visited,
      double p50,
      double p99,
      int maxConnections,
      long maxHeapMb,
      String state) {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-bench.xml");
    }
    int tenants = 1000;
    int concurrency = 8;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tenants" -> tenants = Integer.parseInt(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: ./taskifai bench migrate [--tenants N] [--concurrency C]");
          System.exit(2);
        }
      }
    }
    try (EmbeddedPlatform embedded = new EmbeddedPlatform()) {
      TestPostgres.execute(
          TestPostgres.superuser("postgres"),
          "DROP DATABASE IF EXISTS tenant_template WITH (FORCE)");
      // Room for every tenant on the one server.
      new com.taskifai.registry.DatabaseServers(embedded.platform.platform())
          .upsert(
              embedded.cipher,
              "local-1",
              "local",
              TestPostgres.jdbcUrl("postgres"),
              "postgres",
              TestPostgres.superuserPassword(),
              1_000_000);
      TenantRegistry registry = new TenantRegistry(embedded.platform.platform());
      FleetMigrations fleet = registry.fleetMigrations();
      long made = System.nanoTime();
      makeTenants(embedded, registry, tenants);
      System.out.printf(
          "made %d tenant databases in %.1f s%n", tenants, (System.nanoTime() - made) / 1e9);

      List<Result> results = new ArrayList<>();
      try (PlatformActivities activities = activities(embedded, PRODUCT);
          PlatformWorker worker = embedded.worker(activities)) {
        worker.start();
        results.add(
            rollout(embedded, fleet, "no-op (registry at target)", "noop", concurrency, tenants));
        TestPostgres.execute(embedded.platform.owner(), "UPDATE tenants SET schema_version = NULL");
        results.add(
            rollout(
                embedded, fleet, "no-op (every tenant visited)", "visit", concurrency, tenants));
      }
      try (PlatformActivities activities = activities(embedded, WITH_ADDITIVE);
          PlatformWorker worker = embedded.worker(activities)) {
        worker.start();
        results.add(
            rollout(embedded, fleet, "additive column + index", "additive", concurrency, tenants));
      }
      System.out.println();
      System.out.println(
          "| rollout | tenants | concurrency | wall (s) | tenants visited | tenants/s | p50 per tenant (s) | p99 per tenant (s) | max tenant DB connections | max worker heap (MB) | state |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
      for (Result r : results) {
        System.out.printf(
            "| %s | %d | %d | %.1f | %d | %.1f | %.3f | %.3f | %d | %d | %s |%n",
            r.label(),
            r.tenants(),
            concurrency,
            r.wallSeconds(),
            r.visited(),
            r.visited() / r.wallSeconds(),
            r.p50(),
            r.p99(),
            r.maxConnections(),
            r.maxHeapMb(),
            r.state());
      }
    }
    System.exit(0);
  }

  private static PlatformActivities activities(EmbeddedPlatform embedded, List<String> locations) {
    return PlatformActivities.builder(
            embedded.platform.platform(),
            embedded.cipher,
            ActivitiesConfig.fromEnvironment(embedded.env))
        .tenantMigrations(locations)
        .build();
  }

  /** Tenants as provisioning leaves their databases: template copy, roles, grants, RLS. */
  private static void makeTenants(EmbeddedPlatform embedded, TenantRegistry registry, int n)
      throws Exception {
    try (PlatformActivities a = activities(embedded, PRODUCT)) {
      // The first tenant creates the template; the template then gets rows to copy.
      UUID first = makeTenant(a, registry);
      TestPostgres.execute(
          TestPostgres.superuser("tenant_template"),
          "INSERT INTO products (sku, name) SELECT 'SKU-' || g, 'Product ' || g"
              + " FROM generate_series(1, 200) g ON CONFLICT DO NOTHING");
      AtomicInteger done = new AtomicInteger(1);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 1; i < n; i++) {
          futures.add(
              pool.submit(
                  () -> {
                    makeTenant(a, registry);
                    int d = done.incrementAndGet();
                    if (d % 100 == 0) {
                      System.out.println("  " + d + " tenant databases");
                    }
                    return null;
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      if (first == null) {
        throw new IllegalStateException("no tenant made");
      }
    }
  }

  private static UUID makeTenant(PlatformActivities a, TenantRegistry registry) {
    UUID id = UUID.randomUUID();
    String subdomain = "bench-" + id.toString().substring(0, 8);
    StepInput input = StepInput.of(id, subdomain);
    a.registry()
        .reserveTenant(
            new ReserveTenantInput(
                id, subdomain, "Bench " + subdomain, "a@" + subdomain + ".test", "local", "bench"));
    a.registry().placeDatabase(input);
    a.database().createDatabase(input);
    a.database().migrateSchema(input);
    a.database().applyRls(input);
    a.database().createAdminUser(input); // also ends the step's pooled admin sessions
    registry.setStatus(id, TenantStatus.ACTIVE);
    return id;
  }

  private static Result rollout(
      EmbeddedPlatform embedded,
      FleetMigrations fleet,
      String label,
      String id,
      int concurrency,
      int tenants)
      throws Exception {
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicInteger maxConnections = new AtomicInteger();
    AtomicLong maxHeap = new AtomicLong();
    DataSource server = TestPostgres.superuser("postgres");
    Thread sampler =
        new Thread(
            () -> {
              try (Connection c = server.getConnection();
                  Statement st = c.createStatement()) {
                while (sampling.get()) {
                  try (ResultSet rs =
                      st.executeQuery(
                          "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'tenant\\_%'")) {
                    rs.next();
                    maxConnections.accumulateAndGet(rs.getInt(1), Math::max);
                  }
                  Runtime rt = Runtime.getRuntime();
                  maxHeap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                  Thread.sleep(100);
                }
              } catch (Exception e) {
                System.err.println("sampler: " + e);
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    long started = System.nanoTime();
    MigrateFleetWorkflow flow =
        embedded.client.newWorkflowStub(
            MigrateFleetWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(MigrateFleetWorkflow.workflowId(id))
                .build());
    WorkflowClient.start(
        flow::migrate,
        new MigrationRequest(
            id, null, List.of(), 1, concurrency, concurrency, 0.1, "bench", false, null));
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(30, TimeUnit.MINUTES, MigrationProgress.class);
    double wall = (System.nanoTime() - started) / 1e9;
    sampling.set(false);
    sampler.join(2000);
    List<Double> perTenant = new ArrayList<>();
    for (FleetMigrations.TenantResult r : fleet.tenants(id, null, 1_000_000)) {
      if (r.finishedAt() != null) {
        perTenant.add(Duration.between(r.startedAt(), r.finishedAt()).toNanos() / 1e9);
      }
    }
    perTenant.sort(null);
    System.out.printf(
        "%s: %s in %.1f s (done %d, failed %d)%n",
        label, result.state(), wall, result.done(), result.failed());
    return new Result(
        label,
        tenants,
        wall,
        perTenant.size(),
        pct(perTenant, 50),
        pct(perTenant, 99),
        maxConnections.get(),
        maxHeap.get() / (1024 * 1024),
        result.state() + (result.failed() > 0 ? " (" + result.failed() + " failed)" : ""));
  }

  private static double pct(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
