package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.Backups;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code ./taskifai bench backup [--rows N] [--runs R]}: one tenant with N (default 1,000,000)
 * {@code sellout_entries2} rows, then, R times (default 2) in the same run and interleaved so both
 * see the same machine load:
 *
 * <ol>
 *   <li>plain tools by hand: {@code pg_dump -Fc -Z6} of the tenant database to a file, then {@code
 *       pg_restore --single-transaction --exit-on-error} of that file into a new database;
 *   <li>the platform: {@link BackupTenantWorkflow} (pg_dump in an exported snapshot with row
 *       counts, AES-GCM encryption, SHA-256, upload to the folder store, registry row) and {@link
 *       RestoreTenantWorkflow} as a copy, timed until it reaches its grace period (checksum read,
 *       decryption, pg_restore into a new database, schema version and row count verification).
 * </ol>
 *
 * Prints the median seconds of each, MB/s of the database's size, and the platform-to-plain ratio.
 */
public final class BackupBenchmark {
  private static final String PG_BIN = System.getenv().getOrDefault("TASKIFAI_PG_BIN", "/usr/bin");

  record Run(
      double plainDump, double plainRestore, double platformBackup, double platformRestore) {}

  public static void main(String[] args) throws Exception {
    int rows = 1_000_000;
    int runs = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: ./taskifai bench backup [--rows N] [--runs R]");
          System.exit(2);
        }
      }
    }
    System.out.println(run(rows, runs));
    System.exit(0);
  }

  /** Runs the benchmark and returns its report (a markdown table and the figures it rests on). */
  public static String run(int rows, int runs) throws Exception {
    // Debug logging of every gRPC frame would be measured as platform time.
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(
                com.taskifai.activities.database.BackupActivitiesImpl.class))
        .setLevel(ch.qos.logback.classic.Level.INFO);
    Path work = Files.createTempDirectory("taskifai-bench-backup");
    try (EmbeddedPlatform embedded = new EmbeddedPlatform()) {
      embedded.env.put("TASKIFAI_BACKUP_DIR", work.resolve("store").toString());
      try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
          PlatformWorker worker = embedded.worker(activities)) {
        worker.start();
        UUID tenant = provision(embedded);
        String database =
            new TenantRegistry(embedded.platform.platform())
                .findById(tenant)
                .orElseThrow()
                .databaseName();
        long t0 = System.nanoTime();
        fill(TestPostgres.superuser(database), rows);
        double fillSeconds = seconds(t0);
        long dbBytes =
            JdbcClient.create(TestPostgres.superuser(database))
                .sql("SELECT pg_database_size(current_database())")
                .query(Long.class)
                .single();
        Backups backups = new Backups(embedded.platform.platform());
        List<Run> results = new ArrayList<>();
        long platformBytes = 0;
        long plainBytes = 0;
        for (int r = 0; r < runs; r++) {
          Path file = work.resolve("plain-" + r + ".dump");
          double plainDump = plainDump(database, file);
          plainBytes = Files.size(file);
          UUID backupId = UUID.randomUUID();
          double platformBackup = platformBackup(embedded.client, tenant, backupId);
          platformBytes = backups.find(backupId).orElseThrow().sizeBytes();
          double plainRestore = plainRestore(file, "bench_plain_" + r);
          if (Boolean.getBoolean("taskifai.bench.variants")) {
            variants(database, file, work);
          }
          double platformRestore = platformRestore(embedded.client, tenant, backupId, "bench" + r);
          Files.delete(file);
          results.add(new Run(plainDump, plainRestore, platformBackup, platformRestore));
          System.err.printf(
              "run %d: plain dump %.2f s, platform backup %.2f s, plain restore %.2f s,"
                  + " platform restore %.2f s%n",
              r + 1, plainDump, platformBackup, plainRestore, platformRestore);
        }
        double pd = median(results.stream().map(Run::plainDump).toList());
        double pr = median(results.stream().map(Run::plainRestore).toList());
        double bb = median(results.stream().map(Run::platformBackup).toList());
        double br = median(results.stream().map(Run::platformRestore).toList());
        double mb = dbBytes / 1e6;
        StringBuilder out = new StringBuilder();
        out.append(
            String.format(
                "%nTenant: %,d sellout_entries2 rows, database %.1f MB (filled in %.1f s); dump"
                    + " %.1f MB plain, %.1f MB stored by the platform (encrypted); %d runs,"
                    + " medians; %s%n%n",
                rows, mb, fillSeconds, plainBytes / 1e6, platformBytes / 1e6, runs, Instant.now()));
        out.append(
            "| step | plain pg_dump/pg_restore (s) | platform (s) | plain MB/s | platform MB/s |"
                + " platform / plain |\n|---|---|---|---|---|---|\n");
        out.append(row("backup", pd, bb, mb));
        out.append(row("restore", pr, br, mb));
        return out.toString();
      }
    } finally {
      deleteTree(work);
    }
  }

  private static String row(String step, double plain, double platform, double mb) {
    return String.format(
        "| %s | %.2f | %.2f | %.1f | %.1f | %.2f× |%n",
        step, plain, platform, mb / plain, mb / platform, platform / plain);
  }

  static UUID provision(EmbeddedPlatform embedded) throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = "bench-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow = embedded.startProvisioning(tenant, subdomain, null);
    flow.emailVerified(new EmailVerified("bench"));
    ProvisioningResult result =
        WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, ProvisioningResult.class);
    if (result.status() != WorkflowStatus.ACTIVE) {
      throw new IllegalStateException("provisioning ended " + result.status());
    }
    return tenant;
  }

  /**
   * N sellout rows in one INSERT … SELECT over generate_series (one batch, one user, one vendor).
   */
  static void fill(DataSource db, int rows) {
    JdbcClient jdbc = JdbcClient.create(db);
    jdbc.sql("INSERT INTO users (email, role) VALUES ('bench@bench.test', 'admin')").update();
    jdbc.sql(
            "INSERT INTO vendor_configs (vendor_key, display_name, delimiter, period_format,"
                + " column_mapping) VALUES ('bench', 'Bench', ';', 'yyyy-MM-dd', '{}')")
        .update();
    jdbc.sql(
            "INSERT INTO upload_batches (uploaded_by, vendor_key, file_name, row_count)"
                + " SELECT id, 'bench', 'bench.csv', :rows FROM users WHERE email ="
                + " 'bench@bench.test'")
        .param("rows", rows)
        .update();
    jdbc.sql(
            "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, ean, sku,"
                + " product_name, period_start, period_end, period_label, quantity, revenue,"
                + " currency, store, channel, country)"
                + " SELECT b.id, b.uploaded_by, 'bench', (4000000000000 + g % 50000)::text,"
                + " 'SKU-' || (g % 50000), 'Product ' || (g % 50000),"
                + " date '2024-01-01' + (g % 365), date '2024-01-01' + (g % 365),"
                + " to_char(date '2024-01-01' + (g % 365), 'YYYY-MM-DD'), (g % 100) + 0.5,"
                + " ((g % 1000) * 1.25)::numeric(14, 2), 'EUR', 'Store ' || (g % 200), 'retail',"
                + " 'DE' FROM upload_batches b, generate_series(1, :rows) g")
        .param("rows", rows)
        .update();
    jdbc.sql("VACUUM ANALYZE sellout_entries2").update();
  }

  static double plainDump(String database, Path file) throws Exception {
    long t0 = System.nanoTime();
    exec(
        List.of(
            PG_BIN + "/pg_dump",
            "--format=custom",
            "--compress=6",
            "--file=" + file,
            "--dbname=" + database),
        "pg_dump");
    return seconds(t0);
  }

  static double plainRestore(Path file, String database) throws Exception {
    DataSource server = TestPostgres.superuser("postgres");
    JdbcClient.create(server).sql("DROP DATABASE IF EXISTS " + database).update();
    long t0 = System.nanoTime();
    JdbcClient.create(server).sql("CREATE DATABASE " + database + " TEMPLATE template0").update();
    exec(
        List.of(
            PG_BIN + "/pg_restore",
            "--exit-on-error",
            "--single-transaction",
            "--dbname=" + database,
            file.toString()),
        "pg_restore");
    double s = seconds(t0);
    JdbcClient.create(server).sql("DROP DATABASE " + database).update();
    return s;
  }

  /** Diagnostics: where a piped restore loses time (offsets in the archive, pipe or file). */
  private static void variants(String database, Path file, Path work) throws Exception {
    Path piped = work.resolve("piped.dump");
    exec(
        List.of(
            "bash",
            "-c",
            PG_BIN
                + "/pg_dump --format=custom --compress=6 --dbname="
                + database
                + " | cat > "
                + piped),
        "pg_dump | cat");
    for (String[] v :
        new String[][] {
          {"file with offsets, as a file", "< /dev/null", file.toString()},
          {"file with offsets, through a pipe", "", "cat " + file + " |"},
          {"dump without offsets, as a file", "< /dev/null", piped.toString()},
          {"dump without offsets, through a pipe", "", "cat " + piped + " |"}
        }) {
      DataSource server = TestPostgres.superuser("postgres");
      JdbcClient.create(server).sql("DROP DATABASE IF EXISTS bench_variant").update();
      JdbcClient.create(server).sql("CREATE DATABASE bench_variant TEMPLATE template0").update();
      String restore =
          PG_BIN + "/pg_restore --exit-on-error --single-transaction --dbname=bench_variant";
      String cmd = v[2].endsWith("|") ? v[2] + " " + restore : restore + " " + v[2];
      long t0 = System.nanoTime();
      exec(List.of("bash", "-c", cmd), v[0]);
      System.err.printf("  variant: %s %.2f s%n", v[0], seconds(t0));
      JdbcClient.create(server).sql("DROP DATABASE bench_variant").update();
    }
  }

  private static double platformBackup(WorkflowClient client, UUID tenant, UUID backupId) {
    long t0 = System.nanoTime();
    BackupTenantWorkflow flow =
        client.newWorkflowStub(
            BackupTenantWorkflow.class, options(BackupTenantWorkflow.workflowId(tenant, backupId)));
    flow.backup(new BackupTenantWorkflow.BackupRequest(tenant, backupId, "manual", "bench"));
    double s = seconds(t0);
    System.err.println("  backup steps: " + activityTimes(client, WorkflowStub.fromTyped(flow)));
    return s;
  }

  private static double platformRestore(
      WorkflowClient client, UUID tenant, UUID backupId, String restoreId) throws Exception {
    RestoreTenantWorkflow flow =
        client.newWorkflowStub(
            RestoreTenantWorkflow.class,
            options(RestoreTenantWorkflow.workflowId(tenant, backupId, restoreId)));
    long t0 = System.nanoTime();
    WorkflowClient.start(
        flow::restore,
        new RestoreTenantWorkflow.RestoreRequest(
            tenant, backupId, restoreId, "copy", 3600, "bench"));
    while (!"grace_period".equals(flow.progress().step())) {
      if (flow.progress().error() != null) {
        throw new IllegalStateException("restore failed: " + flow.progress().error());
      }
      // Not faster: every query replays the workflow on the worker, CPU the restore would miss.
      Thread.sleep(250);
    }
    double s = seconds(t0);
    System.err.println("  restore steps: " + activityTimes(client, WorkflowStub.fromTyped(flow)));
    flow.retireNow();
    WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, String.class);
    return s;
  }

  /** Seconds per activity of a workflow, from its history (scheduled to completed). */
  static String activityTimes(WorkflowClient client, WorkflowStub stub) {
    var history =
        client.fetchHistory(stub.getExecution().getWorkflowId(), stub.getExecution().getRunId());
    Map<Long, String> names = new java.util.HashMap<>();
    Map<Long, Long> started = new java.util.HashMap<>();
    StringBuilder out = new StringBuilder();
    for (var e : history.getEvents()) {
      long at = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
      if (e.hasActivityTaskScheduledEventAttributes()) {
        names.put(
            e.getEventId(),
            e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
        started.put(e.getEventId(), at);
      } else if (e.hasActivityTaskCompletedEventAttributes()) {
        long id = e.getActivityTaskCompletedEventAttributes().getScheduledEventId();
        out.append(String.format("%s %.2f s; ", names.get(id), (at - started.get(id)) / 1000.0));
      }
    }
    return out.toString();
  }

  static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .setWorkflowExecutionTimeout(Duration.ofHours(2))
        .build();
  }

  static void exec(List<String> command, String name) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("PGHOST", "localhost");
    env.put("PGPORT", Integer.toString(TestPostgres.port()));
    env.put("PGUSER", "postgres");
    env.put("PGPASSWORD", TestPostgres.superuserPassword());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(name + " failed: " + output);
    }
  }

  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
