package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupScheduler;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.registry.Backups;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.FailureType;
import io.temporal.activity.Activity;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention and deletion of backups ({@link BackupActivitiesImpl}): expired backups deleted from
 * the store and marked DELETED, the final backup of a deleted tenant, and the daily schedule.
 */
final class BackupRetention {
  private static final Logger log = LoggerFactory.getLogger(BackupActivitiesImpl.class);

  private final ServerAccess access;
  private final TenantRegistry registry;
  private final Backups backups;
  private final BackupStore store;
  private final Clock clock;

  BackupRetention(
      ServerAccess access,
      TenantRegistry registry,
      Backups backups,
      BackupStore store,
      Clock clock) {
    this.access = access;
    this.registry = registry;
    this.backups = backups;
    this.store = store;
    this.clock = clock;
  }

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

  public boolean finalBackupNeeded(UUID tenantId) {
    Tenant tenant = access.tenant(tenantId);
    if (tenant.databaseServerId() == null || tenant.databaseName() == null || tenant.isTrial()) {
      // A trial has no backups: its rows are in the shared trial database.
      return false;
    }
    return backups.finalBackup(tenantId).isEmpty();
  }

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

  public void removeBackupSchedule(UUID tenantId) {
    new BackupScheduler(Activity.getExecutionContext().getWorkflowClient()).remove(tenantId);
    log.info("tenant {}: daily backups stopped", tenantId);
  }

  public List<UUID> backupTenants() {
    return registry.findByStatus(List.of(TenantStatus.ACTIVE, TenantStatus.SUSPENDED)).stream()
        .filter(t -> t.databaseName() != null)
        .map(Tenant::tenantId)
        .toList();
  }
}
