package com.taskifai.activities.database;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.registry.ProviderRestoreRequests;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantDatabaseHistory;
import com.taskifai.registry.embedded.ScratchPostgres;
import com.taskifai.registry.embedded.WalArchive;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.PointInTimeActivities;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time restores of one tenant's database ({@link PointInTimeActivities}): pgBackRest
 * restores the tenant's server's archive into a scratch folder beside the archive ({@code
 * pitr-scratch/<tenant>-<restore>}), a scratch PostgreSQL (the embedded binaries, a free port, the
 * server's own superuser password, which the restored cluster keeps) recovers it to the moment, and
 * {@link PgPipes} copies the database into a new one made by {@link IsolatedDatabase}, as a backup
 * restore does. The worker must run where the archive's configuration is, as for base backups.
 */
public final class PointInTimeRestores implements PointInTimeActivities {
  private static final Logger log = LoggerFactory.getLogger(PointInTimeRestores.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RESTORE_ID = Pattern.compile("[a-z0-9]{1,12}");
  private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(30);

  private final ServerAccess access;
  private final PgPipes pipes;
  private final ServerArchives archives;
  private final TenantDatabaseHistory history;
  private final Supplier<Optional<Path>> tool;
  private final SupabaseProjects supabase;
  private final ProviderRestoreRequests providerRestores;

  public PointInTimeRestores(
      ServerAccess access, PgPipes pipes, DataSource platform, Supplier<Optional<Path>> tool) {
    this(access, pipes, platform, tool, null);
  }

  /**
   * @param supabase the Supabase projects, for {@link #restoreByProvider}; null where Supabase is
   *     not configured
   */
  public PointInTimeRestores(
      ServerAccess access,
      PgPipes pipes,
      DataSource platform,
      Supplier<Optional<Path>> tool,
      SupabaseProjects supabase) {
    this.supabase = supabase;
    this.access = access;
    this.pipes = pipes;
    this.archives = new ServerArchives(platform);
    this.history = new TenantDatabaseHistory(platform);
    this.providerRestores = new ProviderRestoreRequests(platform);
    this.tool = tool;
  }

  @Override
  public void restoreScratch(PointInTimeInput input) {
    Tenant tenant = placedTenant(input);
    Scratch scratch = scratch(tenant, input);
    WalArchive wal = WalArchive.existing(pgbackrest(), Path.of(archive(tenant).configFile()));
    try {
      scratch.stop();
      archiveACommitAfter(access.admin(tenant), tenant);
      wal.restoreToTime(scratch.data(), input.at(), databaseAt(tenant, input.at()));
    } catch (IOException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "restore_scratch of " + tenant.tenantId() + ": " + e.getMessage());
    }
    log.info(
        "tenant {}: archive of {} restored to {} into scratch {}",
        tenant.tenantId(),
        tenant.databaseServerId(),
        input.at(),
        scratch.root());
  }

  @Override
  public RestoreTarget preparePointInTimeCopy(PointInTimeInput input) {
    Tenant tenant = placedTenant(input);
    archive(tenant);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String database = names.database() + "_r" + input.restoreId();
    try {
      IsolatedDatabase.replace(access.admin(tenant), database, names.ownerRole(), names.appRole());
    } catch (SQLException e) {
      throw DatabaseFailures.of("prepare_point_in_time_copy", tenant.tenantId(), e);
    }
    return new RestoreTarget(database, tenant.databaseName());
  }

  @Override
  public void copyFromScratch(PointInTimeInput input, String database) {
    Tenant tenant = placedTenant(input);
    BackupRestores.requireRestoreName(tenant, database);
    Scratch scratch = scratch(tenant, input);
    if (!Files.isRegularFile(scratch.data().resolve("PG_VERSION"))) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "copy_from_scratch: the scratch folder of restore "
              + input.restoreId()
              + " is missing; restore_scratch runs again");
    }
    ServerAdmin admin = access.admin(tenant);
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String source = databaseAt(tenant, input.at());
    try {
      scratch.stop();
      IsolatedDatabase.replace(admin, database, names.ownerRole(), names.appRole());
    } catch (SQLException e) {
      throw DatabaseFailures.of("copy_from_scratch", tenant.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy_from_scratch: " + e.getMessage());
    }
    try (ScratchPostgres pg = scratch.start(admin.password())) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + source;
      awaitPromoted(pg, admin.password());
      try (Connection c = DriverManager.getConnection(url, "postgres", admin.password())) {
        PgPipes.Snapshot snapshot = PgPipes.export(c);
        copy(admin, names.ownerRole(), url, admin.password(), source, database, snapshot.id());
        writeManifest(scratch, snapshot.manifest());
        c.commit();
      }
      TenantSchema.grantAppRole(admin.database(database), names.ownerRole(), names.appRole());
    } catch (SQLException e) {
      throw DatabaseFailures.of("copy_from_scratch", tenant.tenantId(), e);
    } catch (IOException | IllegalStateException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy_from_scratch: " + e.getMessage());
    } finally {
      admin.release(database);
    }
    log.info("tenant {}: {} at {} copied into {}", tenant.tenantId(), source, input.at(), database);
  }

  @Override
  public void verifyCopy(PointInTimeInput input, String database) {
    Tenant tenant = placedTenant(input);
    BackupRestores.requireRestoreName(tenant, database);
    Scratch scratch = scratch(tenant, input);
    JsonNode expected;
    try {
      expected = JSON.readTree(scratch.manifest().toFile());
    } catch (IOException e) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "verify_point_in_time_copy: the copy's manifest is missing; the restore starts again");
    }
    ServerAdmin admin = access.admin(tenant);
    try {
      PgPipes.Manifest copied = PgPipes.manifest(admin, database);
      String schema =
          expected.path("schema_version").isNull()
              ? null
              : expected.path("schema_version").asText(null);
      Map<String, Long> rows = new TreeMap<>();
      expected
          .path("row_counts")
          .fields()
          .forEachRemaining(f -> rows.put(f.getKey(), f.getValue().asLong()));
      if (!java.util.Objects.equals(schema, copied.schemaVersion())) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "copied schema version "
                + copied.schemaVersion()
                + " differs from the scratch's "
                + schema);
      }
      if (!rows.equals(copied.rowCounts())) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "copied row counts " + copied.rowCounts() + " differ from the scratch's " + rows);
      }
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_point_in_time_copy", tenant.tenantId(), e);
    } finally {
      admin.release(database);
    }
  }

  @Override
  public void removeScratch(PointInTimeInput input) {
    Tenant tenant = access.placedTenant(input.tenantId(), "has no database");
    Optional<ServerArchives.Archive> archive = archives.find(tenant.databaseServerId());
    if (archive.isEmpty()) {
      return;
    }
    Scratch scratch = scratch(archive.get(), tenant, input);
    try {
      scratch.stop();
      if (Files.exists(scratch.root())) {
        try (var walk = Files.walk(scratch.root())) {
          for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "remove_scratch: " + e.getMessage());
    }
  }

  @Override
  public void restoreByProvider(PointInTimeInput input) {
    if (input.at() == null) {
      throw StepFailure.of(FailureType.INVALID_STATE, "a restore to a time needs the time");
    }
    if (supabase == null) {
      throw StepFailure.of(
          FailureType.MISCONFIGURED,
          "Supabase is not configured on this worker (TASKIFAI_SUPABASE_ACCESS_TOKEN,"
              + " TASKIFAI_SUPABASE_ORGANIZATION)");
    }
    if (input.operationId() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "a provider's restore to a time needs its operation id");
    }
    supabase.restoreToTime(input.tenantId(), input.at(), input.operationId(), providerRestores);
  }

  /**
   * Recovery to a time stops at the first commit after it; an archive that ends before one (a
   * moment after the server's last write) would end recovery short of its target, which PostgreSQL
   * refuses. So the live server commits an empty transaction now, closes its WAL segment and waits
   * until that segment is archived.
   */
  private static void archiveACommitAfter(ServerAdmin admin, Tenant tenant) {
    String segment;
    try (Connection c = admin.maintenance().getConnection()) {
      PgPipes.single(c, "SELECT txid_current()");
      segment = PgPipes.single(c, "SELECT pg_walfile_name(pg_switch_wal())");
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (true) {
        String archived = PgPipes.single(c, "SELECT last_archived_wal FROM pg_stat_archiver");
        if (archived != null && archived.compareTo(segment) >= 0) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw StepFailure.of(
              FailureType.UNAVAILABLE,
              "restore_scratch: WAL segment "
                  + segment
                  + " of server "
                  + tenant.databaseServerId()
                  + " was not archived within 2 minutes (see its archiving in GET /admin/servers)");
        }
        Thread.sleep(200);
      }
    } catch (SQLException e) {
      throw DatabaseFailures.of("restore_scratch", tenant.tenantId(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted while WAL was archived");
    }
  }

  /** pg_dump of the scratch's database in the snapshot piped into pg_restore as the owner. */
  private void copy(
      ServerAdmin admin,
      String ownerRole,
      String scratchUrl,
      String scratchPassword,
      String source,
      String database,
      String snapshotId)
      throws IOException {
    int dumpExit;
    int restoreExit;
    String errors;
    try (OwnerLogin owner = OwnerLogin.open(admin, ownerRole, "copy_from_scratch");
        PgClient.Started dump =
            pipes
                .client()
                .start(
                    "pg_dump",
                    scratchUrl,
                    "postgres",
                    scratchPassword,
                    source,
                    List.of("--format=custom", "--compress=1", "--snapshot=" + snapshotId));
        PgClient.Started restore = pipes.restore(admin, owner, database)) {
      try (InputStream from = PgPipes.heartbeating(dump.stdout());
          OutputStream to = restore.process().getOutputStream()) {
        PgPipes.feed(from, to);
      } catch (IOException e) {
        log.warn("copy stream into {} broke: {}", database, e.getMessage());
      }
      dumpExit = PgPipes.waitFor(dump.process());
      restoreExit = PgPipes.waitFor(restore.process());
      errors = dump.errors() + " " + restore.errors();
    }
    if (dumpExit != 0 || restoreExit != 0) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "copy_from_scratch: pg_dump exited with "
              + dumpExit
              + ", pg_restore with "
              + restoreExit
              + ": "
              + errors.strip());
    }
  }

  private static void writeManifest(Scratch scratch, PgPipes.Manifest manifest) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema_version", manifest.schemaVersion());
    m.put("row_counts", manifest.rowCounts());
    Path tmp = scratch.manifest().resolveSibling("manifest.json.tmp");
    JSON.writeValue(tmp.toFile(), m);
    Files.move(
        tmp,
        scratch.manifest(),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Waits until the scratch has recovered to the target and promoted (heartbeating). */
  private static void awaitPromoted(ScratchPostgres pg, String password) throws SQLException {
    long deadline = System.nanoTime() + RECOVERY_LIMIT.toNanos();
    String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres";
    while (true) {
      try (Connection c = DriverManager.getConnection(url, "postgres", password)) {
        if ("f".equals(PgPipes.single(c, "SELECT pg_is_in_recovery()"))) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "copy_from_scratch: the scratch instance did not finish recovery in " + RECOVERY_LIMIT);
      }
      if (CurrentActivity.info().isPresent()) {
        Activity.getExecutionContext().heartbeat("recovering");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted while the scratch recovered");
      }
    }
  }

  /**
   * The name the tenant's database had at {@code at} (a replace restore or a move renamed it
   * since), refused when it lived on another server then: only the current server's archive is
   * read.
   */
  private String databaseAt(Tenant tenant, java.time.Instant at) {
    Optional<TenantDatabaseHistory.Placement> then = history.at(tenant.tenantId(), at);
    if (then.isEmpty()) {
      return tenant.databaseName();
    }
    if (!java.util.Objects.equals(then.get().serverId(), tenant.databaseServerId())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          TenantDatabaseHistory.movedReason(
              tenant.tenantId(), at, then.get(), tenant.databaseServerId()));
    }
    return then.get().databaseName();
  }

  private Tenant placedTenant(PointInTimeInput input) {
    if (input.restoreId() == null || !RESTORE_ID.matcher(input.restoreId()).matches()) {
      throw StepFailure.of(FailureType.INVALID_STATE, "restore id must match [a-z0-9]{1,12}");
    }
    if (input.at() == null) {
      throw StepFailure.of(FailureType.INVALID_STATE, "a restore to a time needs the time");
    }
    return access.placedTenant(input.tenantId(), "has no database to restore");
  }

  private ServerArchives.Archive archive(Tenant tenant) {
    return archives
        .find(tenant.databaseServerId())
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.MISCONFIGURED,
                    "server "
                        + tenant.databaseServerId()
                        + " has no WAL archive: run it with TASKIFAI_PITR=on (pgbackrest installed)"
                        + " and take a base backup first"));
  }

  private Path pgbackrest() {
    return tool.get()
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.MISCONFIGURED,
                    "pgbackrest is not installed on this worker (apt-get install pgbackrest)"));
  }

  private Scratch scratch(Tenant tenant, PointInTimeInput input) {
    return scratch(archive(tenant), tenant, input);
  }

  private static Scratch scratch(
      ServerArchives.Archive archive, Tenant tenant, PointInTimeInput input) {
    Path pitr = Path.of(archive.repository()).toAbsolutePath().getParent();
    return new Scratch(
        pitr.resolveSibling("pitr-scratch")
            .resolve(TenantDatabaseNames.hex(tenant.tenantId()) + "-" + input.restoreId()));
  }

  /** One restore's scratch folder: the restored data, the scratch's pg_hba, the manifest. */
  private record Scratch(Path root) {
    Path data() {
      return root.resolve("data");
    }

    Path manifest() {
      return root.resolve("manifest.json");
    }

    /** Starts PostgreSQL on the restored data (recovery to the target, then promotion). */
    ScratchPostgres start(String superuserPassword) throws IOException {
      try {
        return ScratchPostgres.start(
            data(), root.resolve("auth"), superuserPassword, RECOVERY_LIMIT);
      } catch (NoClassDefFoundError e) {
        throw StepFailure.of(
            FailureType.MISCONFIGURED,
            "this worker has no embedded PostgreSQL binaries for the scratch instance; run"
                + " restores to a time on the worker beside the archiving servers");
      }
    }

    /**
     * Stops what an earlier attempt left running on this folder: a pgbackrest restore into it and
     * the scratch server (its postmaster.pid names it); nothing running is done.
     */
    void stop() throws IOException {
      // A pgbackrest restore into this folder that a killed worker left behind writes on.
      String restoring = "--pg1-path=" + data().toAbsolutePath();
      ProcessHandle.allProcesses()
          .filter(
              p ->
                  p.info()
                      .arguments()
                      .map(a -> java.util.Arrays.asList(a).contains(restoring))
                      .orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
      Path pidFile = data().resolve("postmaster.pid");
      if (!Files.isRegularFile(pidFile)) {
        return;
      }
      long pid;
      try {
        pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
      } catch (RuntimeException e) {
        return;
      }
      Optional<ProcessHandle> p = ProcessHandle.of(pid);
      if (p.isEmpty()
          || !p.get().info().command().map(cmd -> cmd.contains("postgres")).orElse(false)) {
        return;
      }
      p.get().destroy();
      try {
        p.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        p.get().destroyForcibly();
      }
    }
  }
}
