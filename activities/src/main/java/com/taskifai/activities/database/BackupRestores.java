package com.taskifai.activities.database;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.Backups;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restoring job of {@link BackupActivitiesImpl}: a backup checked against its SHA-256, then
 * {@code pg_restore} as the tenant's owner role ({@link OwnerLogin}), without the archive's owners
 * and grants, into a new empty database beside the tenant's, and the restored rows checked against
 * the backup's manifest. The swap onto it is {@link RestoreSwaps}'.
 */
final class BackupRestores {
  private static final Logger log = LoggerFactory.getLogger(BackupActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RESTORE_ID = Pattern.compile("[a-z0-9]{1,12}");

  private final ServerAccess access;
  private final PgPipes pipes;
  private final Backups backups;
  private final CredentialCipher cipher;
  private final BackupStore store;

  BackupRestores(
      ServerAccess access,
      PgPipes pipes,
      Backups backups,
      CredentialCipher cipher,
      BackupStore store) {
    this.access = access;
    this.pipes = pipes;
    this.backups = backups;
    this.cipher = cipher;
    this.store = store;
  }

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

  public void restoreDatabase(BackupInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    requireRestoreName(tenant, database);
    Backups.Backup backup = goodBackup(input);
    ServerAdmin admin = access.admin(tenant);
    // prepare_restore made it empty; a retry after a restore that committed starts again on an
    // empty
    // one (one that failed left nothing: --single-transaction). Dropping a database needlessly
    // would cost a checkpoint.
    if (!holdsNothing(admin, database)) {
      createEmpty(tenant, database);
    }
    byte[] dataKey = BackupCipher.unwrap(cipher, backup.backupId(), backup.dataKey());
    MessageDigest sha = BackupDumps.sha256();
    int exit;
    String errors;
    long started = System.nanoTime();
    long fed;
    TenantDatabaseNames names = TenantDatabaseNames.of(tenant.tenantId());
    try (OwnerLogin owner = OwnerLogin.open(admin, names.ownerRole(), "restore_database");
        PgClient.Started restore = pipes.restore(admin, owner, database);
        InputStream sealed = new DigestInputStream(store.get(backup.objectKey()), sha)) {
      try (OutputStream stdin = restore.process().getOutputStream()) {
        PgPipes.feed(
            PgPipes.heartbeating(BackupCipher.decrypting(sealed, dataKey, backup.backupId())),
            stdin);
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
      exit = PgPipes.waitFor(restore.process());
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

  public void verifyRestore(BackupInput input, String database) {
    Tenant tenant = placedTenant(input.tenantId());
    requireRestoreName(tenant, database);
    Backups.Backup backup = goodBackup(input);
    ServerAdmin admin = access.admin(tenant);
    Map<String, Long> expected;
    try {
      expected = JSON.readValue(backup.manifest(), new TypeReference<TreeMap<String, Long>>() {});
    } catch (IOException e) {
      throw StepFailure.of(FailureType.INVALID_STATE, "backup manifest is not readable");
    }
    try {
      PgPipes.Manifest restored = PgPipes.manifest(admin, database);
      Map<String, Long> actual = restored.rowCounts();
      String schema = restored.schemaVersion();
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
      throw DatabaseFailures.of("verify_restore", tenant.tenantId(), e);
    } finally {
      admin.release(database);
    }
  }

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
    MessageDigest sha = BackupDumps.sha256();
    try (InputStream in = new DigestInputStream(store.get(b.objectKey()), sha)) {
      PgPipes.heartbeating(in).transferTo(OutputStream.nullOutputStream());
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
      IsolatedDatabase.replace(access.admin(tenant), database, names.ownerRole(), names.appRole());
    } catch (SQLException e) {
      throw DatabaseFailures.of("prepare_restore", tenant.tenantId(), e);
    }
  }

  /** True when {@code database} exists and holds no relation outside the system schemas. */
  static boolean holdsNothing(ServerAdmin admin, String database) {
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

  static void requireRestoreName(Tenant tenant, String database) {
    if (database == null
        || !database.matches(
            Pattern.quote(TenantDatabaseNames.of(tenant.tenantId()).database())
                + "_r[a-z0-9]{1,12}")) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          database + " is not a restore database of " + tenant.tenantId());
    }
  }

  private Tenant placedTenant(UUID tenantId) {
    return access.placedTenant(tenantId, "has no database to back up");
  }
}
