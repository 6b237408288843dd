package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.registry.testing.ArchivingTestServer;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code ./taskifai bench pitr [--rows N] [--tenants T]}: on an archiving server (pgBackRest, the
 * embedded PostgreSQL) one tenant with N (default 1,000,000) {@code sellout_entries2} rows ({@link
 * BackupBenchmark#fill}) beside T (default 50) other tenants, a full base backup, then writes going
 * on (the tenant and its neighbours, every 100 ms) while, in one run:
 *
 * <ol>
 *   <li>the platform restores the tenant to a moment through its activities ({@code
 *       prepare_point_in_time_copy}, {@code restore_scratch}, {@code copy_from_scratch}, {@code
 *       verify_point_in_time_copy}, {@code remove_scratch});
 *   <li>the same is done by hand with the CLI: {@code pgbackrest restore --type=time --db-include}
 *       into a scratch folder, PostgreSQL started on it (with the embedded starter: pg_ctl refuses
 *       root), wait for promotion, {@code pg_dump -Fc -Z1 | pg_restore} into a new database on the
 *       server, a fast shutdown.
 * </ol>
 *
 * Then the archive's growth per hour of that write load, and the RPO: the server is killed ({@code
 * kill -9}), the archive restored to its end, and the newest committed probe rows missing counted.
 */
public final class PitrBenchmark {
  private static final String SERVER = "pitr-bench-1";
  private static final String REGION = "pitr-bench";
  private static final String PG_BIN = System.getenv().getOrDefault("TASKIFAI_PG_BIN", "/usr/bin");
  // How long the archive's growth is measured under the load alone.
  private static final long ARCHIVE_WINDOW_MS = 120_000;
  // From the restores' last forced WAL switch to the kill of the RPO measurement.
  private static final long RPO_DELAY_MS = 30_000;

  public static void main(String[] args) throws Exception {
    int rows = 1_000_000;
    int tenants = 50;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--tenants" -> tenants = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: ./taskifai bench pitr [--rows N] [--tenants T]");
          System.exit(2);
        }
      }
    }
    System.out.println(run(rows, tenants));
    System.exit(0);
  }

  /** Runs the benchmark and returns its report. */
  public static String run(int rows, int tenants) throws Exception {
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    Path work = Files.createTempDirectory("taskifai-bench-pitr");
    StringBuilder out = new StringBuilder();
    try (EmbeddedPlatform embedded = new EmbeddedPlatform();
        PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env)) {
      ArchivingTestServer pg = ArchivingTestServer.start(work.resolve("server"), SERVER);
      try {
        new DatabaseServers(embedded.platform.platform())
            .upsert(
                embedded.cipher,
                SERVER,
                REGION,
                pg.jdbcUrl(),
                "postgres",
                ArchivingTestServer.PASSWORD,
                tenants + 10);
        new ServerArchives(embedded.platform.platform())
            .record(
                SERVER,
                pg.archive().configFile().toString(),
                pg.archive().repository().toString(),
                7);
        TenantRegistry registry = new TenantRegistry(embedded.platform.platform());
        long t0 = System.nanoTime();
        UUID tenant = provision(activities);
        String database = registry.findById(tenant).orElseThrow().databaseName();
        BackupBenchmark.fill(db(pg, database), rows);
        JdbcClient.create(db(pg, database))
            .sql("CREATE TABLE rpo_probe (id bigint PRIMARY KEY, at timestamptz NOT NULL)")
            .update();
        List<String> neighbours = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
          UUID other = provision(activities);
          String name = registry.findById(other).orElseThrow().databaseName();
          BackupBenchmark.fill(db(pg, name), 1_000);
          neighbours.add(name);
        }
        // Settle the fill (hint bits, visibility map, statistics) before the base backup, so that
        // autovacuum on the fresh rows does not write into the archive's measured window.
        JdbcClient.create(db(pg, database)).sql("VACUUM (ANALYZE) sellout_entries2").update();
        double setup = BackupBenchmark.seconds(t0);
        long dbBytes =
            JdbcClient.create(db(pg, database))
                .sql("SELECT pg_database_size(current_database())")
                .query(Long.class)
                .single();
        t0 = System.nanoTime();
        pg.archive().backup("full", ArchivingTestServer.PASSWORD);
        double baseBackup = BackupBenchmark.seconds(t0);
        System.err.printf(
            "setup %.1f s (tenant %.1f MB, %d neighbours), base backup %.1f s%n",
            setup, dbBytes / 1e6, tenants, baseBackup);

        Path walArchive = pg.archive().repository().resolve("archive");
        try (Load load = new Load(pg, database, neighbours)) {
          // The archive's growth under the load alone: between two archived segment switches,
          // before anything else (the restores' copies are written into this server) runs.
          Thread.sleep(2_000);
          pg.waitForArchived(pg.writeAndSwitchWal(), java.time.Duration.ofMinutes(2));
          long archivedBefore = folderBytes(walArchive);
          String lsnBefore = lsn(pg);
          long windowStart = System.nanoTime();
          long targetBefore = load.committedTarget();
          Thread.sleep(ARCHIVE_WINDOW_MS);
          pg.waitForArchived(pg.writeAndSwitchWal(), java.time.Duration.ofMinutes(2));
          double window = BackupBenchmark.seconds(windowStart);
          double archivedMbPerHour =
              (folderBytes(walArchive) - archivedBefore) / 1e6 / window * 3600;
          double walMbPerHour = walBytesSince(pg, lsnBefore) / 1e6 / window * 3600;
          double writesPerSecond = (load.committedTarget() - targetBefore) / window;
          System.err.printf(
              "archive %.1f MB/h (WAL %.1f MB/h) over %.0f s of load alone%n",
              archivedMbPerHour, walMbPerHour, window);
          Thread.sleep(5_000);
          Instant at = Instant.now();
          long rowsAtMoment = load.committedTarget();
          Thread.sleep(5_000);
          pg.waitForArchived(pg.writeAndSwitchWal(), java.time.Duration.ofMinutes(2));

          // The platform: its activities, as the workflow calls them.
          var restores = activities.pointInTime();
          PointInTimeInput input = new PointInTimeInput(tenant, "b1", at, "restore-to-time:b1");
          t0 = System.nanoTime();
          RestoreTarget target = restores.preparePointInTimeCopy(input);
          long s0 = System.nanoTime();
          restores.restoreScratch(input);
          double scratchPlatform = BackupBenchmark.seconds(s0);
          s0 = System.nanoTime();
          restores.copyFromScratch(input, target.newDatabase());
          double copyPlatform = BackupBenchmark.seconds(s0);
          restores.verifyCopy(input, target.newDatabase());
          restores.removeScratch(input);
          double platform = BackupBenchmark.seconds(t0);
          long platformRows = count(db(pg, target.newDatabase()));
          System.err.printf(
              "platform %.2f s (restore_scratch %.2f s, copy_from_scratch %.2f s)%n",
              platform, scratchPlatform, copyPlatform);

          // By hand with the CLI: the same restore, start, dump and restore.
          String byHand = "bench_by_hand";
          t0 = System.nanoTime();
          Hand hand = byHand(pg, work.resolve("hand-scratch"), at, database, byHand);
          double handSeconds = BackupBenchmark.seconds(t0);
          long handRows = count(db(pg, byHand));
          System.err.printf(
              "by hand %.2f s (pgbackrest restore %.2f s, start and recovery %.2f s, dump|restore"
                  + " %.2f s)%n",
              handSeconds, hand.restore(), hand.recovery(), hand.copy());
          if (platformRows != handRows) {
            throw new IllegalStateException(
                "the platform's copy has " + platformRows + " rows, by hand " + handRows);
          }
          drop(pg, target.newDatabase());
          drop(pg, byHand);

          // RPO: kill -9, restore to the end of the archive, count the newest rows missing. The
          // kill comes RPO_DELAY_MS after the restores' last forced switch, so what is lost is
          // what the load alone left unarchived (segments it filled, archive_timeout).
          Thread.sleep(RPO_DELAY_MS);
          Instant killedAt = Instant.now();
          killServer(pg);
          load.stop();
          // Only rows whose commit the client saw count; an insert cut off by the kill does not.
          long committed = load.committedProbe();
          Rpo rpo = rpo(pg, work.resolve("rpo-scratch"), database);
          double lag =
              rpo.newestAt() == null
                  ? Double.NaN
                  : (killedAt.toEpochMilli() - rpo.newestAt().toEpochMilli()) / 1000.0;

          out.append(
              String.format(
                  "%nTenant: %,d sellout_entries2 rows (database %.1f MB) beside %d tenants on one"
                      + " archiving server; writes going on (the tenant %.0f sellout rows/s, a"
                      + " neighbour 10 rows and the probe 1 row every 100 ms); restored to a moment"
                      + " with %,d of the load's rows; one run, %s%n%n",
                  rows, dbBytes / 1e6, tenants, writesPerSecond, rowsAtMoment, Instant.now()));
          out.append(
              "| restore to a time | by hand (s) | platform (s) | platform / by hand |\n"
                  + "|---|---|---|---|\n");
          out.append(
              String.format(
                  "| scratch restore + start + dump/restore | %.2f | %.2f | %.2f× |%n",
                  handSeconds, platform, platform / handSeconds));
          out.append(
              String.format(
                  "%nArchive growth under this write load alone: %.1f MB per hour (WAL written"
                      + " %.1f MB per hour; %.0f s measured between two archived switches, before"
                      + " the restores). RPO: the server killed with kill -9 %d s after the last"
                      + " forced switch, the archive restored to its end: %d of %d committed probe"
                      + " rows missing, the newest restored row %.1f s before the kill"
                      + " (archive_timeout %d s).%n",
                  archivedMbPerHour,
                  walMbPerHour,
                  window,
                  RPO_DELAY_MS / 1000,
                  committed - rpo.newestId(),
                  committed,
                  lag,
                  WalArchive.ARCHIVE_TIMEOUT.toSeconds()));
        }
      } finally {
        try {
          pg.close();
        } catch (Exception e) {
          // killed on purpose; its data folder goes with the work folder
        }
      }
    } finally {
      BackupBenchmark.deleteTree(work);
    }
    return out.toString();
  }

  private static UUID provision(PlatformActivities activities) {
    UUID id = UUID.randomUUID();
    String subdomain = "pitr-" + id.toString().substring(0, 8);
    activities
        .registry()
        .reserveTenant(
            new ReserveTenantInput(
                id, subdomain, "Bench", "admin@" + subdomain + ".test", REGION, "bench"));
    StepInput input = StepInput.of(id, subdomain);
    activities.registry().placeDatabase(input);
    activities.database().createDatabase(input);
    activities.registry().storeCredentials(input);
    activities.database().migrateSchema(input);
    return id;
  }

  private record Hand(double restore, double recovery, double copy) {}

  /** The restore to a time done by hand with the tools' command lines. */
  private static Hand byHand(
      ArchivingTestServer pg, Path scratch, Instant at, String database, String into)
      throws Exception {
    long t0 = System.nanoTime();
    ownerOnlyFolder(scratch);
    exec(
        List.of(
            "pgbackrest",
            "--config=" + pg.archive().configFile(),
            "--stanza=" + WalArchive.STANZA,
            "--pg1-path=" + scratch,
            "--type=time",
            "--target="
                + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
                    .withZone(ZoneOffset.UTC)
                    .format(at)
                + "+00",
            "--target-action=promote",
            "--archive-mode=off",
            "--db-include=" + database,
            "restore"),
        Map.of());
    double restore = BackupBenchmark.seconds(t0);
    t0 = System.nanoTime();
    // pg_ctl and postgres refuse to run as root; the embedded starter (the one the platform's
    // scratch uses too) does not, so by hand starts the scratch with it.
    var scratchServer =
        com.taskifai.registry.embedded.ScratchPostgres.start(
            scratch,
            scratch.resolveSibling("hand-auth"),
            ArchivingTestServer.PASSWORD,
            java.time.Duration.ofMinutes(30));
    int port = scratchServer.port();
    awaitPromoted(port);
    double recovery = BackupBenchmark.seconds(t0);
    t0 = System.nanoTime();
    JdbcClient.create(db(pg, "postgres"))
        .sql("CREATE DATABASE " + into + " TEMPLATE template0")
        .update();
    exec(
        List.of(
            "bash",
            "-c",
            PG_BIN
                + "/pg_dump --format=custom --compress=1 -h 127.0.0.1 -p "
                + port
                + " -U postgres "
                + database
                + " | "
                + PG_BIN
                + "/pg_restore --exit-on-error -h 127.0.0.1 -p "
                + pg.server().getPort()
                + " -U postgres -d "
                + into),
        Map.of("PGPASSWORD", ArchivingTestServer.PASSWORD));
    double copy = BackupBenchmark.seconds(t0);
    scratchServer.close();
    BackupBenchmark.deleteTree(scratch);
    return new Hand(restore, recovery, copy);
  }

  private record Rpo(long newestId, Instant newestAt) {}

  /** Restores the archive to its end (the server is dead) and reads the newest probe row. */
  private static Rpo rpo(ArchivingTestServer pg, Path scratch, String database) throws Exception {
    ownerOnlyFolder(scratch);
    exec(
        List.of(
            "pgbackrest",
            "--config=" + pg.archive().configFile(),
            "--stanza=" + WalArchive.STANZA,
            "--pg1-path=" + scratch,
            "--archive-mode=off",
            "--db-include=" + database,
            "restore"),
        Map.of());
    var scratchServer =
        com.taskifai.registry.embedded.ScratchPostgres.start(
            scratch,
            scratch.resolveSibling("rpo-auth"),
            ArchivingTestServer.PASSWORD,
            java.time.Duration.ofMinutes(30));
    int port = scratchServer.port();
    try {
      awaitPromoted(port);
      try (Connection c =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                  "postgres",
                  ArchivingTestServer.PASSWORD);
          var st = c.createStatement();
          var rs = st.executeQuery("SELECT coalesce(max(id), 0), max(at) FROM rpo_probe")) {
        rs.next();
        java.sql.Timestamp newestAt = rs.getTimestamp(2);
        return new Rpo(rs.getLong(1), newestAt == null ? null : newestAt.toInstant());
      }
    } finally {
      scratchServer.close();
    }
  }

  /**
   * Writes every 100 ms until stopped: 100 sellout rows into the tenant, 10 into one neighbour in
   * turn, and one probe row into the tenant (each committed on its own).
   */
  private static final class Load implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong target = new AtomicLong();
    private final AtomicLong probe = new AtomicLong();
    private final Thread thread;

    Load(ArchivingTestServer pg, String database, List<String> neighbours) {
      DataSource tenant = db(pg, database);
      List<DataSource> others = neighbours.stream().map(n -> db(pg, n)).toList();
      thread =
          new Thread(
              () -> {
                int turn = 0;
                while (!stop.get()) {
                  try {
                    insert(tenant, 100);
                    target.addAndGet(100);
                    if (!others.isEmpty()) {
                      insert(others.get(turn++ % others.size()), 10);
                    }
                    long id = probe.get() + 1;
                    JdbcClient.create(tenant)
                        .sql("INSERT INTO rpo_probe (id, at) VALUES (:id, clock_timestamp())")
                        .param("id", id)
                        .update();
                    probe.set(id);
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  } catch (RuntimeException e) {
                    if (!stop.get()) {
                      System.err.println("load: " + e.getMessage());
                    }
                    return;
                  }
                }
              },
              "pitr-bench-load");
      thread.start();
    }

    long committedTarget() {
      return target.get();
    }

    long committedProbe() {
      return probe.get();
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }

    private static void insert(DataSource db, int rows) {
      JdbcClient.create(db)
          .sql(
              "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, ean, sku,"
                  + " product_name, period_start, period_end, period_label, quantity, revenue,"
                  + " currency, store, channel, country)"
                  + " SELECT b.id, b.uploaded_by, 'bench', '4000000000001', 'SKU-LIVE',"
                  + " 'Live product', date '2025-01-01', date '2025-01-01', '2025-01-01', 1.5,"
                  + " 2.50, 'EUR', 'Store live', 'retail', 'DE'"
                  + " FROM (SELECT id, uploaded_by FROM upload_batches LIMIT 1) b,"
                  + " generate_series(1, :rows) g")
          .param("rows", rows)
          .update();
    }
  }

  /** The postmaster of the archiving server killed with SIGKILL (kill -9). */
  private static void killServer(ArchivingTestServer pg) throws Exception {
    long pid;
    try (var c = pg.server().getPostgresDatabase().getConnection();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT current_setting('data_directory')")) {
      rs.next();
      pid =
          Long.parseLong(
              Files.readAllLines(Path.of(rs.getString(1)).resolve("postmaster.pid"))
                  .get(0)
                  .strip());
    }
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    postmaster.destroyForcibly();
    postmaster.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static void awaitPromoted(int port) throws Exception {
    long deadline = System.nanoTime() + java.time.Duration.ofMinutes(30).toNanos();
    while (true) {
      try (Connection c =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                  "postgres",
                  ArchivingTestServer.PASSWORD);
          var st = c.createStatement();
          var rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return;
        }
      } catch (java.sql.SQLException e) {
        // still starting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the scratch server did not promote in 30 minutes");
      }
      Thread.sleep(100);
    }
  }

  private static String lsn(ArchivingTestServer pg) {
    return JdbcClient.create(db(pg, "postgres"))
        .sql("SELECT pg_current_wal_lsn()::text")
        .query(String.class)
        .single();
  }

  /** Bytes of WAL the server wrote since {@code lsn}. */
  private static long walBytesSince(ArchivingTestServer pg, String lsn) {
    return JdbcClient.create(db(pg, "postgres"))
        .sql("SELECT (pg_current_wal_lsn() - CAST(:lsn AS pg_lsn))::bigint")
        .param("lsn", lsn)
        .query(Long.class)
        .single();
  }

  private static long count(DataSource db) {
    return JdbcClient.create(db)
        .sql("SELECT count(*) FROM sellout_entries2")
        .query(Long.class)
        .single();
  }

  private static void drop(ArchivingTestServer pg, String database) {
    JdbcClient.create(db(pg, "postgres"))
        .sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)")
        .update();
  }

  private static long folderBytes(Path folder) throws Exception {
    if (!Files.exists(folder)) {
      return 0;
    }
    try (var files = Files.walk(folder)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (java.io.IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  static DataSource db(ArchivingTestServer pg, String database) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://127.0.0.1:" + pg.server().getPort() + "/" + database);
    ds.setUser("postgres");
    ds.setPassword(ArchivingTestServer.PASSWORD);
    return ds;
  }

  /** A new empty data folder with the permissions PostgreSQL asks of one. */
  private static void ownerOnlyFolder(Path folder) throws Exception {
    Files.createDirectories(folder);
    Files.setPosixFilePermissions(
        folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }

  private static void exec(List<String> command, Map<String, String> extraEnv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command.get(0) + " failed: " + output);
    }
  }
}
