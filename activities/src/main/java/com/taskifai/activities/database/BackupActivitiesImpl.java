package com.taskifai.activities.database;

import com.taskifai.activities.OperationClaims;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.registry.BackupClientCheck;
import com.taskifai.registry.Backups;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.workflows.ports.BackupActivities;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Backups and restores of one tenant database, each job in a class of its own: backing up ({@link
 * BackupDumps}), restoring into a new database ({@link BackupRestores}), the swap onto it ({@link
 * RestoreSwaps}), and retention ({@link BackupRetention}). The tenant's claim is {@link
 * OperationClaims}'. The database servers are reached through {@link ServerAccess} and pg_dump and
 * pg_restore run through {@link PgPipes}, both shared by the process.
 */
public final class BackupActivitiesImpl implements BackupActivities {
  private final DatabaseServers servers;
  private final CredentialCipher cipher;
  private final BackupStore store;
  private final PgPipes pipes;
  private final OperationClaims claims;
  private final BackupDumps dumps;
  private final BackupRestores restores;
  private final RestoreSwaps swaps;
  private final BackupRetention retention;

  public BackupActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      PgPipes pipes,
      SharedTrialDatabases trialDatabases,
      CredentialCipher cipher,
      BackupStore store,
      Clock clock) {
    Backups backups = new Backups(platform);
    TenantOperations operations = new TenantOperations(platform);
    this.servers = new DatabaseServers(platform);
    this.cipher = cipher;
    this.store = store;
    this.pipes = pipes;
    this.claims = new OperationClaims(operations);
    this.dumps = new BackupDumps(access, pipes, trialDatabases, backups, cipher, store);
    this.restores = new BackupRestores(access, pipes, backups, cipher, store);
    this.swaps = new RestoreSwaps(access, operations, cipher);
    this.retention =
        new BackupRetention(access, new TenantRegistry(platform), backups, store, clock);
  }

  /**
   * Checks pg_dump against every database server (run at worker start): backups are disabled on a
   * mismatch, with what to install.
   */
  public BackupClientCheck.Result checkClient() {
    return BackupClientCheck.check(pipes.client().program("pg_dump"), servers, cipher);
  }

  /** The store backups go to. */
  public BackupStore store() {
    return store;
  }

  /** The object key of a backup in the store. */
  public static String objectKey(UUID tenantId, UUID backupId) {
    return BackupDumps.objectKey(tenantId, backupId);
  }

  @Override
  public void claimOperation(UUID tenantId, String operation, String operationId) {
    claims.claim(tenantId, operation, operationId, null);
  }

  @Override
  public void releaseOperation(UUID tenantId, String operationId) {
    claims.release(tenantId, operationId);
  }

  @Override
  public BackupSummary dumpDatabase(BackupInput input) {
    return dumps.dumpDatabase(input);
  }

  @Override
  public void failBackup(BackupInput input, String reason) {
    dumps.failBackup(input, reason);
  }

  @Override
  public RestoreTarget prepareRestore(BackupInput input, String restoreId) {
    return restores.prepareRestore(input, restoreId);
  }

  @Override
  public void restoreDatabase(BackupInput input, String database) {
    restores.restoreDatabase(input, database);
  }

  @Override
  public void verifyRestore(BackupInput input, String database) {
    restores.verifyRestore(input, database);
  }

  @Override
  public void swapDatabase(BackupInput input, RestoreTarget target) {
    swaps.swapDatabase(input, target);
  }

  @Override
  public void undoSwapDatabase(BackupInput input, RestoreTarget target) {
    swaps.undoSwapDatabase(input, target);
  }

  @Override
  public void sealRestoredCopy(BackupInput input, String database) {
    swaps.sealRestoredCopy(input, database);
  }

  @Override
  public void dropRetiredDatabase(UUID tenantId, String database) {
    swaps.dropRetiredDatabase(tenantId, database);
  }

  @Override
  public List<UUID> applyRetention(UUID tenantId, long retentionDays, int keepNewest) {
    return retention.applyRetention(tenantId, retentionDays, keepNewest);
  }

  @Override
  public void deleteBackup(UUID tenantId, UUID backupId) {
    retention.deleteBackup(tenantId, backupId);
  }

  @Override
  public boolean finalBackupNeeded(UUID tenantId) {
    return retention.finalBackupNeeded(tenantId);
  }

  @Override
  public List<UUID> expireDeletedTenantBackups(long finalRetentionDays, long retentionDays) {
    return retention.expireDeletedTenantBackups(finalRetentionDays, retentionDays);
  }

  @Override
  public void removeBackupSchedule(UUID tenantId) {
    retention.removeBackupSchedule(tenantId);
  }

  @Override
  public List<UUID> backupTenants() {
    return retention.backupTenants();
  }
}
