package com.taskifai.activities.database;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupScheduler;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.Backups;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities;
import io.temporal.activity.Activity;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups with {@code pg_dump -Fc} as the server's admin, and restores with {@code pg_restore} as
 * the tenant's owner role ({@link OwnerLogin}), without the archive's owners and grants. A dump
 * runs inside an exported snapshot that the row counts of its manifest were taken in, so the
 * manifest describes exactly what was dumped. The dump streams through {@link BackupCipher} and a
 * SHA-256 digest into the {@link BackupStore}; nothing is held whole in memory or on disk.
 */
public final class BackupActivitiesImpl implements BackupActivities, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RESTORE_ID = Pattern.compile("[a-z0-9]{1,12}");

  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final Backups backups;
  private final TenantOperations operations;
  private final CredentialCipher cipher;
  private final BackupStore store;
  private final PgClient pg;
  private final Clock clock;
  private final AdminConnectionPools pools = new AdminConnectionPools();

  public BackupActivitiesImpl(
      DataSource platform,
      CredentialCipher cipher,
      BackupStore store,
      BackupSettings settings,
      Clock clock) {
    this.registry = new TenantRegistry(platform);
    this.servers = new DatabaseServers(platform);
    this.backups = new Backups(platform);
    this.operations = new TenantOperations(platform);
    this.cipher = cipher;
    this.store = store;
    this.pg = new PgClient(settings.pgBin());
    this.clock = clock;
  }

  /**
   * Checks pg_dump against every database server (run at worker start): backups are disabled on a
   * mismatch, with what to install.
   */
  public com.taskifai.registry.BackupClientCheck.Result checkClient() {
    return com.taskifai.registry.BackupClientCheck.check(pg.program("pg_dump"), servers, cipher);
  }

  /** The store backups go to. */
  public BackupStore store() {
    return store;
  }

  /** The object key of a backup in the store. */
  public static String objectKey(UUID tenantId, UUID backupId) {
    return tenantId + "/" + backupId + ".tkb";
  }

  @Override
  public void claimOperation(UUID tenantId, String operation, String operationId) {
    Optional<TenantOperations.Held> held = operations.claim(tenantId, operation, operationId);
    if (held.isPresent()) {
      throw StepFailure.busy(tenantId, held.get(), null);
    }
  }

  @Override
  public void releaseOperation(UUID tenantId, String operationId) {
    operations.release(tenantId, operationId);
  }

  // ---- backing up ----

  @Override
  public BackupSummary dumpDatabase(BackupInput input) {
    Tenant tenant = placedTenant(input.tenantId());
    ServerAdmin admin = admin(tenant);
    String key = objectKey(tenant.tenantId(), input.backupId());
    backups.start(
        input.backupId(),
        tenant.tenantId(),
        input.trigger() == null ? "manual" : input.trigger(),
        store.kind(),
        key,
        BackupCipher.wrap(cipher, input.backupId(), BackupCipher.newDataKey()));
    Backups.Backup row = backups.find(input.backupId()).orElseThrow();
    if (!row.tenantId().equals(tenant.tenantId()) || !"RUNNING".equals(row.status())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "backup " + input.backupId() + " is " + row.status() + ", not a running backup");
    }
    if (tenant.isTrial()) {
      // The shared trial database holds every trial's rows: a dump of it is no one tenant's.
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + tenant.tenantId()
              + " is a trial in the shared trial database; promote it"
              + " to a database of its own before backing it up");
    }
    byte[] dataKey = BackupCipher.unwrap(cipher, input.backupId(), row.dataKey());
    String database = tenant.databaseName();
    long started = System.nanoTime();
    try (Connection snapshot = admin.unpooled(database).getConnection()) {
      String serverVersion = requireClientFor(snapshot, admin.serverId());
      requireRowSecurityBypass(snapshot, admin.serverId());
      snapshot.setAutoCommit(false);
      snapshot.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      snapshot.setReadOnly(true);
      String snapshotId = single(snapshot, "SELECT pg_export_snapshot()");
      Map<String, Long> manifest = rowCounts(snapshot);
      String schemaVersion = schemaVersion(snapshot);
      MessageDigest sha = sha256();
      long stored;
      String errors;
      int exit;
      try (PgClient.Started dump =
          pg.start(
              "pg_dump",
              admin.jdbcUrl(),
              admin.username(),
              admin.password(),
              database,
              List.of("--format=custom", "--compress=6", "--snapshot=" + snapshotId))) {
        InputStream sealed =
            new DigestInputStream(
                new Heartbeating(BackupCipher.encrypting(dump.stdout(), dataKey, input.backupId())),
                sha);
        try {
          stored = store.put(key, sealed);
        } catch (IOException e) {
          throw StepFailure.of(
              FailureType.UNAVAILABLE,
              "backup store " + store.kind() + " failed: " + e.getMessage());
        }
        exit = waitFor(dump.process());
        errors = dump.errors();
      }
      snapshot.commit();
      if (exit != 0) {
        deleteQuietly(key);
        throw StepFailure.of(
            FailureType.UNAVAILABLE, "pg_dump exited with " + exit + ": " + errors);
      }
      String digest = HexFormat.of().formatHex(sha.digest());
      backups.complete(
          input.backupId(),
          digest,
          stored,
          database,
          schemaVersion,
          serverVersion,
          JSON.writeValueAsString(manifest));
      log.info(
          "tenant {}: backup {} stored ({} bytes, {} ms)",
          tenant.tenantId(),
          input.backupId(),
          stored,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return new BackupSummary(input.backupId(), digest, stored, schemaVersion, serverVersion);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("dump_database", tenant.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "pg_dump failed: " + e.getMessage());
    }
  }

  @Override
  public void failBackup(BackupInput input, String reason) {
    Optional<Backups.Backup> row = backups.find(input.backupId());
    if (row.isEmpty() || row.get().good()) {
      return;
    }
    deleteQuietly(row.get().objectKey());
    backups.fail(input.backupId(), reason == null ? "failed" : truncate(reason));
  }

  /**
   * Refuses a server whose major version is newer than pg_dump's: such a dump would fail (and a
   * scheduled one would fail at night); the check says what to install instead.
   *
   * @return the server's version text
   */
  private String requireClientFor(Connection c, String serverId) throws SQLException {
    int serverNum = Integer.parseInt(single(c, "SHOW server_version_num"));
    int client = pg.dumpMajorVersion();
    if (serverNum / 10000 > client) {
      throw StepFailure.of(
          FailureType.MISCONFIGURED,
          "backups disabled for server "
              + serverId
              + ": pg_dump is version "
              + client
              + " but the server runs PostgreSQL "
              + serverNum / 10000
              + "; install postgresql-client "
              + serverNum / 10000
              + " or newer (or set TASKIFAI_PG_BIN)");
    }
    return single(c, "SHOW server_version");
  }

  /**
   * Refuses to dump as a role that row-level security applies to: the tenant tables' policies are
   * forced (they bind the tables' owner too), so only a superuser or a BYPASSRLS role reads every
   * row. pg_dump would otherwise stop at the first such table ("query would be affected by
   * row-level security policy"). A Supabase project's {@code postgres} role is not a superuser but
   * has BYPASSRLS, so it dumps as the superuser of one of our own servers does.
   */
  private static void requireRowSecurityBypass(Connection c, String serverId) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles"
                    + " WHERE rolname = current_user")) {
      if (rs.next() && !rs.getBoolean(2)) {
        throw StepFailure.of(
            FailureType.MISCONFIGURED,
            "backups disabled for server "
                + serverId
                + ": its admin role "
                + rs.getString(1)
                + " is neither a superuser nor BYPASSRLS, so it cannot read the rows that"
                + " row-level security protects; register the server with a role that has"
                + " BYPASSRLS (ALTER ROLE ... BYPASSRLS)");
      }
    }
  }

  // ---- restoring ----

  @Override
  public RestoreTarget prepareRestore(BackupInput input, String restoreId) {
    if (restoreId == null || !RESTORE_ID.matcher(restoreId).matches()) {
      throw StepFailure.of(FailureType.INVALID_STATE, "restore id must match [a-z0-9]{1,12}");
    }
    Tenant tenant = placedTenant(input.tenantId());
    Backups.Backup backup = goodBackup(input);
    verifyChecksum(backup);
    String database = TenantDatabaseNames.of(tenant.tenantId()).database() + "_r" + restoreId;
    createEmpty(tenant, database);
    return new RestoreTarget(database, tenant.databaseName());
  }

  @Override
  public void restoreDatabase(BackupInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    requireRestoreName(tenant, database);
    Backups.Backup backup = goodBackup(input);
    ServerAdmin admin = admin(tenant);
    // prepare_restore made it empty; a retry after a restore that committed starts again on an
    // empty
    // one (one that failed left nothing: --single-transaction). Dropping a database needlessly
    // would cost a checkpoint.
    if (!holdsNothing(admin, database)) {
      createEmpty(tenant, database);
    }
    byte[] dataKey = BackupCipher.unwrap(cipher, backup.backupId(), backup.dataKey());
    MessageDigest sha = sha256();
    int exit;
    String errors;
    long started = System.nanoTime();
    long fed;
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    try (OwnerLogin owner = OwnerLogin.open(admin, names.ownerRole(), "restore_database");
        PgClient.Started restore =
            pg.start(
                "pg_restore",
                admin.jdbcUrl(),
                owner.role(),
                owner.password(),
                database,
                PgClient.RESTORE_OPTIONS);
        InputStream sealed = new DigestInputStream(store.get(backup.objectKey()), sha)) {
      try (OutputStream stdin = restore.process().getOutputStream()) {
        copy(new Heartbeating(BackupCipher.decrypting(sealed, dataKey, backup.backupId())), stdin);
      } catch (IOException e) {
        if (restore.process().isAlive()) {
          // the backup did not decrypt: stop pg_restore before it commits anything
          restore.process().destroyForcibly();
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "backup " + backup.backupId() + " cannot be decrypted: " + e.getMessage());
        }
        // pg_restore stopped reading: its exit status and errors tell why
      }
      fed = System.nanoTime();
      exit = waitFor(restore.process());
      errors = restore.errors();
      if (exit == 0) {
        // Read to its end (pg_restore may stop before the last bytes) for the whole digest.
        sealed.transferTo(OutputStream.nullOutputStream());
      }
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "pg_restore failed: " + e.getMessage());
    }
    if (exit != 0) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "pg_restore exited with " + exit + ": " + errors);
    }
    String digest = HexFormat.of().formatHex(sha.digest());
    if (!digest.equalsIgnoreCase(backup.sha256())) {
      // The object changed after prepare_restore checked it: what was restored is not the backup.
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "backup "
              + backup.backupId()
              + " changed in the store while it was restored (its SHA-256 no longer matches the"
              + " recorded one); the restored copy is not used");
    }
    try {
      TenantSchema.grantAppRole(admin.database(database), names.ownerRole(), names.appRole());
    } catch (IllegalStateException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "restore_database: cannot grant the app role: " + e.getMessage());
    } finally {
      admin.release(database);
    }
    long done = System.nanoTime();
    log.info(
        "tenant {}: backup {} restored into {} (fed in {} ms, pg_restore done {} ms later)",
        tenant.tenantId(),
        backup.backupId(),
        database,
        TimeUnit.NANOSECONDS.toMillis(fed - started),
        TimeUnit.NANOSECONDS.toMillis(done - fed));
  }

  @Override
  public void verifyRestore(BackupInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    requireRestoreName(tenant, database);
    Backups.Backup backup = goodBackup(input);
    ServerAdmin admin = admin(tenant);
    Map<String, Long> expected;
    try {
      expected = JSON.readValue(backup.manifest(), new TypeReference<TreeMap<String, Long>>() {});
    } catch (IOException e) {
      throw StepFailure.of(FailureType.INVALID_STATE, "backup manifest is not readable");
    }
    try (Connection c = admin.unpooled(database).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Map<String, Long> actual = rowCounts(c);
      String schema = schemaVersion(c);
      c.commit();
      if (!java.util.Objects.equals(schema, backup.schemaVersion())) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "restored schema version "
                + schema
                + " differs from the backup's "
                + backup.schemaVersion());
      }
      if (!actual.equals(expected)) {
        throw StepFailure.of(
            FailureType.INVALID_STATE,
            "restored row counts " + actual + " differ from the backup's manifest " + expected);
      }
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("verify_restore", tenant.tenantId(), e);
    } finally {
      admin.release(database);
    }
  }

  @Override
  public void swapDatabase(BackupInput input, RestoreTarget target) {
    Tenant tenant = placedTenant(input.tenantId());
    requireRestoreName(tenant, target.newDatabase());
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    if (target.newDatabase().equals(tenant.databaseName())) {
      // Swapped by an earlier attempt, which may have died before the fence was closed.
      String appRole = TenantCredentials.decrypt(cipher, tenant).username();
      fenceRetired(tenant, target.currentDatabase(), names.ownerRole(), appRole);
      operations.holdWrites(tenant.tenantId(), input.operationId(), false);
      return;
    }
    if (!tenant.databaseName().equals(target.currentDatabase())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + tenant.tenantId()
              + " moved to "
              + tenant.databaseName()
              + " while the restore ran; nothing swapped");
    }
    TenantCredentials now = TenantCredentials.decrypt(cipher, tenant);
    String url = TenantDatabaseNames.jdbcUrl(now.jdbcUrl(), target.newDatabase());
    String encryptedUrl =
        cipher.encrypt(
            url + "\n" + now.username(),
            CredentialCipher.tenantContext(tenant.tenantId(), TenantCredentials.URL_FIELD));
    if (!operations.holdWrites(tenant.tenantId(), input.operationId(), true)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the restore does not hold tenant " + tenant.tenantId());
    }
    // The fence before the swap: a session a router opens on the old database from here on is
    // read-only, and the app role's sessions on it end, so no write commits there that the swap
    // would leave behind.
    ServerAdmin admin = admin(tenant);
    try {
      SwapFence.readOnly(admin, target.currentDatabase(), names.ownerRole(), now.username(), true);
    } catch (SQLException e) {
      unfence(tenant.tenantId(), target.currentDatabase());
      throw TenantDatabaseActivitiesImpl.databaseFailure("swap_database", tenant.tenantId(), e);
    }
    boolean swapped;
    try {
      swapped =
          operations.swapDatabase(
              tenant.tenantId(), input.operationId(), target.newDatabase(), encryptedUrl);
    } catch (RuntimeException e) {
      try {
        unfence(tenant.tenantId(), target.currentDatabase());
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
    if (!swapped) {
      unfence(tenant.tenantId(), target.currentDatabase());
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the restore does not hold tenant " + tenant.tenantId());
    }
    fenceRetired(tenant, target.currentDatabase(), names.ownerRole(), now.username());
    log.info(
        "tenant {}: now on database {} (was {}, fenced)",
        tenant.tenantId(),
        target.newDatabase(),
        target.currentDatabase());
  }

  @Override
  public void undoSwapDatabase(BackupInput input, RestoreTarget target) {
    unfence(input.tenantId(), target.currentDatabase());
  }

  @Override
  public void sealRestoredCopy(BackupInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    requireRestoreName(tenant, database);
    if (database.equals(tenant.databaseName())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          database + " is the current database of tenant " + tenant.tenantId() + "; not sealed");
    }
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String appRole = TenantCredentials.decrypt(cipher, tenant).username();
    fenceRetired(tenant, database, names.ownerRole(), appRole);
  }

  /**
   * The fence after the swap (and on a copy): read-only for new sessions, CONNECT revoked for the
   * app role, its sessions ended. Repeating it changes nothing.
   */
  private void fenceRetired(Tenant tenant, String database, String owner, String appRole) {
    ServerAdmin admin = admin(tenant);
    try {
      try (Connection c = admin.maintenance().getConnection()) {
        if (!ServerAdmin.databaseExists(c, database)) {
          return; // dropped already (retired after its grace)
        }
      }
      SwapFence.readOnly(admin, database, owner, appRole, true);
      SwapFence.close(admin, database, appRole);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("swap_database", tenant.tenantId(), e);
    }
  }

  /**
   * The tenant's current database writable and open to its app role again: the undo of a fence set
   * before a swap that did not happen. Refused for any database the tenant does not use.
   */
  private void unfence(UUID tenantId, String database) {
    // Read again: a registry update whose answer was lost may have swapped the tenant after all.
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (!database.equals(tenant.databaseName())) {
      log.warn(
          "tenant {}: on {}, not {}; the fence stays", tenantId, tenant.databaseName(), database);
      return;
    }
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    String appRole = TenantCredentials.decrypt(cipher, tenant).username();
    ServerAdmin admin = admin(tenant);
    try {
      SwapFence.open(admin, database, appRole);
      SwapFence.readOnly(admin, database, names.ownerRole(), appRole, false);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure(
          "undo_swap_database", tenant.tenantId(), e);
    }
    log.info("tenant {}: {} writable again (no swap)", tenant.tenantId(), database);
  }

  @Override
  public void dropRetiredDatabase(UUID tenantId, String database) {
    if (database == null) {
      return;
    }
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (!database.startsWith(TenantDatabaseNames.of(tenantId).database())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, database + " is not a database of tenant " + tenantId);
    }
    if (database.equals(tenant.databaseName())) {
      log.warn("tenant {}: {} is its current database; not dropped", tenantId, database);
      return;
    }
    if (tenant.databaseServerId() == null) {
      return;
    }
    ServerAdmin admin = admin(tenant);
    admin.release(database);
    try (Connection c = admin.maintenance().getConnection()) {
      ServerAdmin.grantRoleToAdmin(c, TenantDatabaseNames.of(tenantId).ownerRole());
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("drop_retired_database", tenantId, e);
    }
    log.info("tenant {}: dropped retired database {}", tenantId, database);
  }

  // ---- retention and deletion ----

  @Override
  public List<UUID> applyRetention(UUID tenantId, long retentionDays, int keepNewest) {
    List<UUID> deleted = new ArrayList<>();
    for (Backups.Backup b :
        backups.expired(
            tenantId,
            clock.instant().minus(java.time.Duration.ofDays(retentionDays)),
            keepNewest)) {
      deleteBackup(tenantId, b.backupId());
      deleted.add(b.backupId());
    }
    return deleted;
  }

  @Override
  public void deleteBackup(UUID tenantId, UUID backupId) {
    Optional<Backups.Backup> b = backups.find(backupId);
    if (b.isEmpty() || !b.get().tenantId().equals(tenantId)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "backup " + backupId + " is not a backup of tenant " + tenantId);
    }
    try {
      store.delete(b.get().objectKey());
    } catch (IOException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE, "backup store could not delete: " + e.getMessage());
    }
    backups.markDeleted(backupId);
  }

  @Override
  public boolean finalBackupNeeded(UUID tenantId) {
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (tenant.databaseServerId() == null || tenant.databaseName() == null || tenant.isTrial()) {
      // A trial has no backups: its rows are in the shared trial database.
      return false;
    }
    return backups.finalBackup(tenantId).isEmpty();
  }

  @Override
  public List<UUID> expireDeletedTenantBackups(long finalRetentionDays, long retentionDays) {
    java.time.Instant now = clock.instant();
    List<UUID> deleted = new ArrayList<>();
    for (Backups.Backup b :
        backups.expiredOfDeletedTenants(
            now.minus(java.time.Duration.ofDays(finalRetentionDays)),
            now.minus(java.time.Duration.ofDays(retentionDays)))) {
      deleteBackup(b.tenantId(), b.backupId());
      deleted.add(b.backupId());
    }
    if (!deleted.isEmpty()) {
      log.info("deleted {} expired backups of deleted tenants", deleted.size());
    }
    return deleted;
  }

  @Override
  public void removeBackupSchedule(UUID tenantId) {
    new BackupScheduler(Activity.getExecutionContext().getWorkflowClient()).remove(tenantId);
    log.info("tenant {}: daily backups stopped", tenantId);
  }

  @Override
  public List<UUID> backupTenants() {
    return registry.findByStatus(List.of(TenantStatus.ACTIVE, TenantStatus.SUSPENDED)).stream()
        .filter(t -> t.databaseName() != null)
        .map(Tenant::tenantId)
        .toList();
  }

  @Override
  public void close() {
    pools.close();
  }

  // ---- helpers ----

  private Backups.Backup goodBackup(BackupInput input) {
    Backups.Backup b =
        backups
            .find(input.backupId())
            .orElseThrow(
                () -> StepFailure.of(FailureType.INVALID_STATE, "no backup " + input.backupId()));
    if (!b.tenantId().equals(input.tenantId()) || !b.good()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "backup " + input.backupId() + " is not a good backup of tenant " + input.tenantId());
    }
    return b;
  }

  /** Reads the stored object once, without decrypting, and compares its SHA-256. */
  private void verifyChecksum(Backups.Backup b) {
    MessageDigest sha = sha256();
    try (InputStream in = new DigestInputStream(store.get(b.objectKey()), sha)) {
      new Heartbeating(in).transferTo(OutputStream.nullOutputStream());
    } catch (java.nio.file.NoSuchFileException e) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "backup " + b.backupId() + " is missing from the store");
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "backup store read failed: " + e.getMessage());
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equalsIgnoreCase(b.sha256())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "backup "
              + b.backupId()
              + " does not match its recorded SHA-256 (corrupted in the store); refused");
    }
  }

  /**
   * Creates {@code database} empty (dropping an earlier attempt's), as the tenant's databases are.
   */
  private void createEmpty(Tenant tenant, String database) {
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    try {
      IsolatedDatabase.replace(admin(tenant), database, names.ownerRole(), names.appRole());
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("prepare_restore", tenant.tenantId(), e);
    }
  }

  /** Copies in chunks of the cipher's size: few large writes into the pipe. */
  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 20];
    for (int n; (n = in.read(buf)) >= 0; ) {
      out.write(buf, 0, n);
    }
  }

  /** True when {@code database} exists and holds no relation outside the system schemas. */
  private static boolean holdsNothing(ServerAdmin admin, String database) {
    try (Connection c = admin.unpooled(database).getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                    + " AND n.nspname NOT LIKE 'pg\\_toast%'")) {
      rs.next();
      return rs.getLong(1) == 0;
    } catch (SQLException missingOrUnreadable) {
      return false;
    }
  }

  private static void requireRestoreName(Tenant tenant, String database) {
    if (database == null
        || !database.matches(
            Pattern.quote(TenantDatabaseNames.of(tenant.tenantId()).database())
                + "_r[a-z0-9]{1,12}")) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          database + " is not a restore database of " + tenant.tenantId());
    }
  }

  /** Row count per table of schema public, in the connection's transaction. */
  static Map<String, Long> rowCounts(Connection c) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    Map<String, Long> counts = new TreeMap<>();
    for (String table : tables) {
      counts.put(
          table,
          Long.parseLong(
              single(c, "SELECT count(*) FROM public.\"" + table.replace("\"", "\"\"") + "\"")));
    }
    return counts;
  }

  /** The tenant schema's Flyway version, or null without a history table. */
  static String schemaVersion(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT to_regclass('public.flyway_schema_history') IS NOT NULL")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        return null;
      }
    }
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT version FROM public.flyway_schema_history WHERE success AND version IS NOT NULL"
                    + " ORDER BY installed_rank DESC LIMIT 1")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  static String single(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static int waitFor(Process p) {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted while waiting for " + p.info());
    }
  }

  private void deleteQuietly(String key) {
    try {
      store.delete(key);
    } catch (IOException | RuntimeException e) {
      log.warn("could not delete backup object {}: {}", key, e.getMessage());
    }
  }

  private static String truncate(String s) {
    return s.length() > 1000 ? s.substring(0, 1000) : s;
  }

  private Tenant placedTenant(UUID tenantId) {
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (tenant.databaseServerId() == null || tenant.databaseName() == null) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenantId + " has no database to back up");
    }
    return tenant;
  }

  private ServerAdmin admin(Tenant tenant) {
    DatabaseServers.Server server =
        servers
            .find(tenant.databaseServerId())
            .orElseThrow(() -> StepFailure.serverMissing(tenant.databaseServerId()));
    return new ServerAdmin(server, cipher, pools);
  }

  /** Heartbeats (when inside an activity) every few megabytes read. */
  static final class Heartbeating extends FilterInputStream {
    private final boolean inActivity = com.taskifai.activities.CurrentActivity.info().isPresent();
    private long bytes;
    private long lastBeat;

    Heartbeating(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        bytes += n;
        long now = System.nanoTime();
        if (inActivity && now - lastBeat > TimeUnit.SECONDS.toNanos(5)) {
          lastBeat = now;
          Activity.getExecutionContext().heartbeat(bytes);
        }
      }
      return n;
    }
  }
}
