package com.taskifai.activities.database;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.Backups;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.BackupSummary;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backing-up job of {@link BackupActivitiesImpl}: {@code pg_dump -Fc} as the server's admin
 * inside an exported snapshot that the row counts of its manifest were taken in, so the manifest
 * describes exactly what was dumped. The dump streams through {@link BackupCipher} and a SHA-256
 * digest into the {@link BackupStore}; nothing is held whole in memory or on disk.
 */
final class BackupDumps {
  private static final Logger log = LoggerFactory.getLogger(BackupActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerAccess access;
  private final PgPipes pipes;
  private final SharedTrialDatabases trialDatabases;
  private final Backups backups;
  private final CredentialCipher cipher;
  private final BackupStore store;

  BackupDumps(
      ServerAccess access,
      PgPipes pipes,
      SharedTrialDatabases trialDatabases,
      Backups backups,
      CredentialCipher cipher,
      BackupStore store) {
    this.access = access;
    this.pipes = pipes;
    this.trialDatabases = trialDatabases;
    this.backups = backups;
    this.cipher = cipher;
    this.store = store;
  }

  public BackupSummary dumpDatabase(BackupInput input) {
    Tenant tenant = placedTenant(input.tenantId());
    ServerAdmin admin = access.admin(tenant);
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
    // The shared trial database holds every trial's rows: a dump of it is no one tenant's.
    trialDatabases.refuse(
        tenant,
        tenant.databaseName(),
        null,
        false,
        "; promote it to a database of its own before backing it up");
    byte[] dataKey = BackupCipher.unwrap(cipher, input.backupId(), row.dataKey());
    String database = tenant.databaseName();
    long started = System.nanoTime();
    try (Connection connection = admin.unpooled(database).getConnection()) {
      String serverVersion =
          pipes.requireDumpClient(
              connection,
              admin.serverId(),
              "backups disabled for server " + admin.serverId() + ": ");
      requireRowSecurityBypass(connection, admin.serverId());
      PgPipes.Snapshot snapshot = PgPipes.export(connection);
      Map<String, Long> manifest = snapshot.manifest().rowCounts();
      String schemaVersion = snapshot.manifest().schemaVersion();
      MessageDigest sha = sha256();
      long stored;
      String errors;
      int exit;
      try (PgClient.Started dump = pipes.dump(admin, database, 6, snapshot.id())) {
        InputStream sealed =
            new DigestInputStream(
                PgPipes.heartbeating(
                    BackupCipher.encrypting(dump.stdout(), dataKey, input.backupId())),
                sha);
        try {
          stored = store.put(key, sealed);
        } catch (IOException e) {
          throw StepFailure.of(
              FailureType.UNAVAILABLE,
              "backup store " + store.kind() + " failed: " + e.getMessage());
        }
        exit = PgPipes.waitFor(dump.process());
        errors = dump.errors();
      }
      connection.commit();
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
      throw DatabaseFailures.of("dump_database", tenant.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "pg_dump failed: " + e.getMessage());
    }
  }

  public void failBackup(BackupInput input, String reason) {
    Optional<Backups.Backup> row = backups.find(input.backupId());
    if (row.isEmpty() || row.get().good()) {
      return;
    }
    deleteQuietly(row.get().objectKey());
    backups.fail(input.backupId(), reason == null ? "failed" : truncate(reason));
  }

  /**
   * Refuses to dump as a role that row-level security applies to: the tenant tables' policies are
   * forced (they bind the tables' owner too), so only a superuser or a BYPASSRLS role reads every
   * row. pg_dump would otherwise stop at the first such table ("query would be affected by
   * row-level security policy"). A Supabase project's {@code postgres} role is not a superuser but
   * has BYPASSRLS, so it dumps as the superuser of one of our own servers does.
   */
  static void requireRowSecurityBypass(Connection c, String serverId) throws SQLException {
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

  /** The object key of a backup in the store. */
  static String objectKey(UUID tenantId, UUID backupId) {
    return tenantId + "/" + backupId + ".tkb";
  }

  /** A new SHA-256 digest (the JDK always has one). */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Tenant placedTenant(UUID tenantId) {
    return access.placedTenant(tenantId, "has no database to back up");
  }
}
