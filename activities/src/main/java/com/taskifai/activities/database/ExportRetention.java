package com.taskifai.activities.database;

import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.ExportRetentionSettings;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.TenantExports;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of exports: an export whose current download link expired more than the grace ago
 * ({@code TASKIFAI_EXPORT_RETENTION_GRACE}) is marked DELETED (no link can be issued or used from
 * then on), its encrypted object removed from the store, and the removal recorded ({@code
 * deleted_at}). The customer's final copy taken at offboarding is kept, besides, until {@code
 * TASKIFAI_EXPORT_FINAL_RETENTION} after it was written. A row marked DELETED whose object could
 * not be removed is taken again by the next pass. The worker runs this in its hourly pass, beside
 * the expiry of deleted tenants' backups.
 */
public final class ExportRetention {
  private static final Logger log = LoggerFactory.getLogger(ExportRetention.class);

  /** Exports one pass deletes at most; the next pass takes the rest. */
  static final int BATCH = 500;

  private final TenantExports exports;
  private final BackupStore store;
  private final AuditLog audit;
  private final Clock clock;

  public ExportRetention(TenantExports exports, BackupStore store, AuditLog audit, Clock clock) {
    this.exports = exports;
    this.store = store;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Deletes the exports retention expires now.
   *
   * @return the ids of the exports whose objects were removed in this pass
   */
  public List<UUID> expire(ExportRetentionSettings settings) {
    Instant now = clock.instant();
    List<UUID> deleted = new ArrayList<>();
    for (TenantExports.Export e :
        exports.expired(
            now.minus(settings.retentionGrace()), now.minus(settings.finalRetention()), BATCH)) {
      if (!exports.markDeleting(e.exportId(), e.linkVersion())) {
        // A new link was issued since the query: the export is kept.
        continue;
      }
      if (e.objectKey() != null) {
        try {
          store.delete(e.objectKey());
        } catch (IOException failure) {
          // Marked DELETED already (no link works); the next pass removes the object.
          log.warn(
              "tenant {}: export {} not removed from the store {}: {}",
              e.tenantId(),
              e.exportId(),
              store.kind(),
              failure.getMessage());
          continue;
        }
      }
      if (!exports.objectDeleted(e.exportId())) {
        // Another worker's pass took the same export at the same time and recorded it.
        continue;
      }
      audit.append(
          e.tenantId(),
          "retention",
          "tenant.export_deleted",
          null,
          "deleted",
          Map.of(
              "export_id",
              e.exportId().toString(),
              "final_copy",
              Boolean.toString(e.finalCopy()),
              "link_expired_at",
              String.valueOf(e.expiresAt())));
      deleted.add(e.exportId());
    }
    if (!deleted.isEmpty()) {
      log.info("deleted {} expired exports from the store {}", deleted.size(), store.kind());
    }
    return deleted;
  }
}
