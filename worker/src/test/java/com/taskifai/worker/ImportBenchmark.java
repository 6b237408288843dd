package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.activities.backup.FolderBackupStore;
import com.taskifai.activities.database.ImportStaging;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.imports.ImportTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./taskifai bench import [--rows N] [--runs R]}: one tenant with N (default 1,000,000)
 * {@code sellout_entries2} rows (filled by {@link BackupBenchmark#fill}), dumped once with {@code
 * pg_dump -Fc}; then, R times (default 1), interleaved so both see the same machine load:
 *
 * <ol>
 *   <li>plain tools by hand: {@code pg_restore --single-transaction} of that file into a new
 *       database;
 *   <li>the platform: the same file staged as {@code POST /admin/tenants/{id}/imports} stages an
 *       upload: copied to a temporary file as the servlet container spools the part, then checked
 *       and streamed encrypted into the backup store by {@link ImportStaging} (the API's own
 *       staging), the spooled copy deleted; then {@link ImportTenantWorkflow} until its new
 *       database is swapped in (check the stored file, new database, restore as the tenant's owner
 *       from a decrypted temporary file, migrate up, verify, swap), the retired database then
 *       dropped outside the timing. The HTTP transfer itself is not part of it.
 * </ol>
 *
 * Prints the median seconds of each and the platform-to-plain ratio (target at most 1.25).
 */
public final class ImportBenchmark {

  record Run(double plain, double platform) {}

  public static void main(String[] args) throws Exception {
    int rows = 1_000_000;
    int runs = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: ./taskifai bench import [--rows N] [--runs R]");
          System.exit(2);
        }
      }
    }
    System.out.println(run(rows, runs));
    System.exit(0);
  }

  /** Runs the benchmark and returns its report (a markdown table and the figures it rests on). */
  public static String run(int rows, int runs) throws Exception {
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Path work = Files.createTempDirectory("taskifai-bench-import");
    try (EmbeddedPlatform embedded = new EmbeddedPlatform()) {
      embedded.env.put("TASKIFAI_BACKUP_DIR", work.resolve("store").toString());
      try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
          PlatformWorker worker = embedded.worker(activities)) {
        worker.start();
        UUID tenant = BackupBenchmark.provision(embedded);
        String database =
            new TenantRegistry(embedded.platform.platform())
                .findById(tenant)
                .orElseThrow()
                .databaseName();
        BackupBenchmark.fill(TestPostgres.superuser(database), rows);
        Path dump = work.resolve("tenant.pgc");
        BackupBenchmark.plainDump(database, dump);
        long dumpBytes = Files.size(dump);
        ImportStaging staging =
            new ImportStaging(
                embedded.platform.platform(),
                new FolderBackupStore(work.resolve("store")),
                embedded.cipher);
        List<Run> results = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
          double plain = BackupBenchmark.plainRestore(dump, "bench_import_plain_" + r);
          System.err.printf("run %d: plain pg_restore %.2f s%n", r + 1, plain);
          double platform = platform(embedded.client, staging, tenant, "bench" + r, dump, work);
          results.add(new Run(plain, platform));
          System.err.printf("run %d: plain %.2f s, platform %.2f s%n", r + 1, plain, platform);
        }
        String jobs = System.getProperty("taskifai.bench.import.jobs", "");
        if (jobs.matches("[0-9]+")) {
          // Would --jobs help? It cannot go with --single-transaction (the load's one transaction).
          double single = BackupBenchmark.plainRestore(dump, "bench_import_single");
          double parallel = plainRestoreJobs(dump, "bench_import_jobs", Integer.parseInt(jobs));
          System.err.printf(
              "pg_restore --single-transaction %.2f s, --jobs=%s (no single transaction) %.2f s%n",
              single, jobs, parallel);
        }
        double p = BackupBenchmark.median(results.stream().map(Run::plain).toList());
        double e = BackupBenchmark.median(results.stream().map(Run::platform).toList());
        return String.format(
            "%nTenant: %,d sellout_entries2 rows; dump %.1f MB (pg_dump -Fc); %d runs, medians;"
                + " %s%n%n"
                + "| step | plain pg_restore (s) | platform import (s) | platform / plain |%n"
                + "|---|---|---|---|%n| import | %.2f | %.2f | %.2f× |%n",
            rows, dumpBytes / 1e6, runs, Instant.now(), p, e, e / p);
      }
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }

  /** pg_restore --jobs=N of the file into a new database, as the server's superuser. */
  private static double plainRestoreJobs(Path file, String database, int jobs) throws Exception {
    javax.sql.DataSource server = TestPostgres.superuser("postgres");
    var jdbc = org.springframework.jdbc.core.simple.JdbcClient.create(server);
    jdbc.sql("DROP DATABASE IF EXISTS " + database).update();
    long t0 = System.nanoTime();
    jdbc.sql("CREATE DATABASE " + database + " TEMPLATE template0").update();
    BackupBenchmark.exec(
        List.of(
            System.getenv().getOrDefault("TASKIFAI_PG_BIN", "/usr/bin") + "/pg_restore",
            "--exit-on-error",
            "--jobs=" + jobs,
            "--dbname=" + database,
            file.toString()),
        "pg_restore --jobs");
    double s = BackupBenchmark.seconds(t0);
    jdbc.sql("DROP DATABASE " + database).update();
    return s;
  }

  private static double platform(
      WorkflowClient client,
      ImportStaging staging,
      UUID tenant,
      String importId,
      Path dump,
      Path work)
      throws Exception {
    String workflowId = ImportTenantWorkflow.workflowId(tenant, importId);
    long t0 = System.nanoTime();
    // As the API: the servlet container spools the part to a temporary file, the API stages it
    // from there into the store, and the spooled file is deleted when the request ends.
    Path spooled = Files.createTempFile(work, "upload", ".tmp");
    Files.copy(dump, spooled, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    double spool = BackupBenchmark.seconds(t0);
    ImportStaging.Staged staged;
    try {
      staged =
          staging.stage(
              tenant,
              importId,
              workflowId,
              "bench",
              "tenant.pgc",
              null,
              new ImportStaging.Upload() {
                @Override
                public java.io.InputStream open() throws java.io.IOException {
                  return Files.newInputStream(spooled);
                }

                @Override
                public long size() {
                  try {
                    return Files.size(spooled);
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                }
              });
    } finally {
      Files.deleteIfExists(spooled);
    }
    if (staged.refused()) {
      throw new IllegalStateException("the upload was refused: " + staged.report());
    }
    double stage = BackupBenchmark.seconds(t0) - spool;
    System.err.printf(
        "  upload: spooled %.2f s, checked and stored encrypted %.2f s (%s)%n",
        spool, stage, staged.format());
    ImportTenantWorkflow flow =
        client.newWorkflowStub(ImportTenantWorkflow.class, BackupBenchmark.options(workflowId));
    WorkflowClient.start(
        flow::importTenant,
        new ImportTenantWorkflow.ImportRequest(tenant, importId, "custom", 3600, "bench"));
    while (!"grace_period".equals(flow.progress().step())) {
      ImportTenantWorkflow.ImportProgress at = flow.progress();
      if (at.error() != null || "REFUSED".equals(at.outcome()) || "FAILED".equals(at.outcome())) {
        throw new IllegalStateException(
            "import ended " + at.outcome() + ": " + at.error() + " " + at.report());
      }
      // Not faster: every query replays the workflow on the worker, CPU the import would miss.
      Thread.sleep(250);
    }
    double s = BackupBenchmark.seconds(t0);
    System.err.println(
        "  import steps: " + BackupBenchmark.activityTimes(client, WorkflowStub.fromTyped(flow)));
    flow.retireNow();
    WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, String.class);
    return s;
  }
}
