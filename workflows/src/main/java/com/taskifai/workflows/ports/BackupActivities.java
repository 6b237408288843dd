package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;
import java.util.UUID;

/**
 * Backups and restores of one tenant database: pg_dump into the backup store, pg_restore into a new
 * database beside the tenant's, the checks in between, the swap of the registry's pointer, and the
 * undo of each. No input or result carries a secret: data keys and passwords stay in the registry
 * (encrypted) and in the activity's memory.
 */
@ActivityInterface
public interface BackupActivities extends TenantOperationActivities {

  /** A backup or restore of one tenant; {@code operationId} names it in the registry. */
  record BackupInput(UUID tenantId, UUID backupId, String operationId, String trigger, String actor)
      implements TenantScoped {}

  /** What a finished backup recorded (no secret). */
  record BackupSummary(
      UUID backupId, String sha256, long sizeBytes, String schemaVersion, String serverVersion) {}

  /**
   * pg_dump -Fc of the tenant database, encrypted under a new data key, into the backup store;
   * records the digest, size, schema and server versions and the row count per table, then marks
   * the backup GOOD. A retry starts the dump again and replaces the stored object.
   */
  @ActivityMethod(name = "dump_database")
  BackupSummary dumpDatabase(BackupInput input);

  /** Marks a backup FAILED and deletes whatever the store holds for it. */
  @ActivityMethod(name = "undo_dump_database")
  void failBackup(BackupInput input, String reason);

  /** The database a restore fills, and the one the tenant uses while it runs. */
  record RestoreTarget(String newDatabase, String currentDatabase) {}

  /**
   * Checks the stored object's SHA-256 against the registry (before decrypting anything), then
   * creates a new empty database on the tenant's server owned by the tenant's owner role, CONNECT
   * for the tenant's roles only.
   */
  @ActivityMethod(name = "prepare_restore")
  RestoreTarget prepareRestore(BackupInput input, String restoreId);

  /**
   * Decrypts the backup into pg_restore on the new database, logged in as the tenant's owner role
   * with the archive's owners and grants left out, then grants the app role; fails on a non-zero
   * exit, and (non-retryable) when the digest of the bytes read is not the recorded SHA-256. A
   * retry starts again on an emptied database.
   */
  @ActivityMethod(name = "restore_database")
  void restoreDatabase(BackupInput input, String database);

  /** Schema version and row count per table of the new database against the backup's manifest. */
  @ActivityMethod(name = "verify_restore")
  void verifyRestore(BackupInput input, String database);

  /**
   * Points the tenant from {@code target.currentDatabase} to {@code target.newDatabase} in one
   * registry transaction (routers follow the notification), holding its writes for the switch, and
   * fences the old database: read-only for new sessions and the app role's sessions ended before
   * the registry changes, CONNECT revoked for the app role (sessions ended again) after it. A swap
   * that cannot happen lifts the fence before it fails. Idempotent: a tenant on the new database
   * already gets the fence again and is done.
   */
  @ActivityMethod(name = "swap_database")
  void swapDatabase(BackupInput input, RestoreTarget target);

  /**
   * Undo of a swap_database that failed: while the tenant still points at {@code
   * target.currentDatabase}, that database is writable and open to the app role again. A tenant on
   * any other database keeps the fence. Repeating it changes nothing.
   */
  @ActivityMethod(name = "undo_swap_database")
  void undoSwapDatabase(BackupInput input, RestoreTarget target);

  /**
   * Makes a copy-mode restore's database a copy to read: read-only for new sessions, CONNECT
   * revoked for the tenant's app role (the routers never point at it), so only the server's admin
   * reads it. Refused for the tenant's current database; repeating it changes nothing.
   */
  @ActivityMethod(name = "seal_restored_copy")
  void sealRestoredCopy(BackupInput input, String database);

  /**
   * Drops a database of the tenant that is not its current one (a restored copy, a failed restore,
   * or the one a replace retired). Dropping what is not there is done.
   */
  @ActivityMethod(name = "drop_retired_database")
  void dropRetiredDatabase(UUID tenantId, String database);

  /**
   * Deletes the tenant's backups that retention expires: older than the retention period and not
   * among the newest {@code keepNewest} good ones.
   *
   * @return the ids deleted
   */
  @ActivityMethod(name = "apply_retention")
  List<UUID> applyRetention(UUID tenantId, long retentionDays, int keepNewest);

  /** Deletes one backup from the store and marks it DELETED. */
  @ActivityMethod(name = "delete_backup")
  void deleteBackup(UUID tenantId, UUID backupId);

  /**
   * Whether offboarding must take a final backup of the tenant: it has a database and no GOOD
   * offboarding backup yet (a repeated offboarding does not take a second one).
   */
  @ActivityMethod(name = "final_backup_needed")
  boolean finalBackupNeeded(UUID tenantId);

  /**
   * Deletes the backups of DELETED tenants that retention expires: the final (offboarding) backup
   * once older than {@code finalRetentionDays}, any other once older than {@code retentionDays}.
   *
   * @return the ids deleted
   */
  @ActivityMethod(name = "expire_deleted_tenant_backups")
  List<UUID> expireDeletedTenantBackups(long finalRetentionDays, long retentionDays);

  /** Tenants that get a scheduled backup (ACTIVE and SUSPENDED). */
  @ActivityMethod(name = "list_backup_tenants")
  List<UUID> backupTenants();

  /**
   * Stops the tenant's daily backups: deletes its Temporal Schedule and ends its timer loop (either
   * one missing counts as done).
   */
  @ActivityMethod(name = "remove_backup_schedule")
  void removeBackupSchedule(UUID tenantId);
}
