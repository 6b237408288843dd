package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.export.ExportTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code ./taskifai bench export [--rows N] [--runs R]}: one tenant with N (default 1,000,000)
 * {@code sellout_entries2} rows (filled as {@link BackupBenchmark} fills them), then, R times
 * (default 2), interleaved so both see the same machine load:
 *
 * <ol>
 *   <li>plain tools by hand: {@code pg_dump -Fc} of the tenant database to a file, then {@code COPY
 *       <table> TO STDOUT WITH (FORMAT csv, HEADER true)} of every table to a file of its own;
 *   <li>the platform: {@link ExportTenantWorkflow} from request to READY (snapshot, dump and
 *       ordered CSVs into a ZIP with checksums, AES-GCM encryption into the folder store, link).
 * </ol>
 *
 * Prints the median seconds of each and the platform-to-plain ratio (target at most 1.25).
 */
public final class ExportBenchmark {

  record Run(double plain, double platform) {}

  public static void main(String[] args) throws Exception {
    int rows = 1_000_000;
    int runs = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: ./taskifai bench export [--rows N] [--runs R]");
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
    Path work = Files.createTempDirectory("taskifai-bench-export");
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
        TenantExports exports = new TenantExports(embedded.platform.platform());
        List<Run> results = new ArrayList<>();
        long archiveBytes = 0;
        for (int r = 0; r < runs; r++) {
          double plain = plain(database, work.resolve("plain-" + r));
          UUID exportId = UUID.randomUUID();
          double platform = platform(embedded.client, exports, tenant, exportId);
          archiveBytes = exports.find(exportId).orElseThrow().archiveBytes();
          results.add(new Run(plain, platform));
          System.err.printf("run %d: plain %.2f s, platform %.2f s%n", r + 1, plain, platform);
        }
        double p = BackupBenchmark.median(results.stream().map(Run::plain).toList());
        double e = BackupBenchmark.median(results.stream().map(Run::platform).toList());
        return String.format(
            "%nTenant: %,d sellout_entries2 rows; archive %.1f MB; %d runs, medians; %s%n%n"
                + "| step | plain pg_dump + COPY (s) | platform export (s) | platform / plain |%n"
                + "|---|---|---|---|%n| export | %.2f | %.2f | %.2f× |%n",
            rows, archiveBytes / 1e6, runs, Instant.now(), p, e, e / p);
      }
    } finally {
      BackupBenchmark.deleteTree(work);
    }
  }

  /** pg_dump -Fc to a file, then every table of schema public but Flyway's to a CSV file. */
  private static double plain(String database, Path folder) throws Exception {
    Files.createDirectories(folder);
    long t0 = System.nanoTime();
    BackupBenchmark.exec(
        List.of(
            System.getenv().getOrDefault("TASKIFAI_PG_BIN", "/usr/bin") + "/pg_dump",
            "--format=custom",
            "--file=" + folder.resolve("dump.pgc"),
            "--dbname=" + database),
        "pg_dump");
    DataSource db = TestPostgres.superuser(database);
    List<String> tables =
        JdbcClient.create(db)
            .sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    + " AND tablename <> 'flyway_schema_history'")
            .query(String.class)
            .list();
    try (Connection c = db.getConnection()) {
      for (String table : tables) {
        try (OutputStream out = Files.newOutputStream(folder.resolve(table + ".csv"))) {
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyOut(
                  "COPY public.\"" + table + "\" TO STDOUT WITH (FORMAT csv, HEADER true)", out);
        }
      }
    }
    double s = BackupBenchmark.seconds(t0);
    BackupBenchmark.deleteTree(folder);
    return s;
  }

  private static double platform(
      WorkflowClient client, TenantExports exports, UUID tenant, UUID exportId) {
    long t0 = System.nanoTime();
    exports.request(exportId, tenant, "bench");
    ExportTenantWorkflow flow =
        client.newWorkflowStub(
            ExportTenantWorkflow.class,
            BackupBenchmark.options(ExportTenantWorkflow.workflowId(tenant, exportId)));
    String outcome =
        flow.export(new ExportTenantWorkflow.ExportRequest(tenant, exportId, "bench", 3600));
    double s = BackupBenchmark.seconds(t0);
    if (!"READY".equals(outcome)) {
      throw new IllegalStateException("export ended " + outcome);
    }
    System.err.println(
        "  export steps: " + BackupBenchmark.activityTimes(client, WorkflowStub.fromTyped(flow)));
    return s;
  }
}
