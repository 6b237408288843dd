package com.taskifai.workflows.lifecycle;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.export.ExportTenantWorkflow;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;

/**
 * Offboards a tenant: final_backup (a {@link BackupTenantWorkflow} child with trigger {@code
 * offboarding}, unless the tenant has no database, has a final backup already, or the admin asked
 * to skip it), final_export (an {@link ExportTenantWorkflow} child filling the export the request
 * names as the customer's final copy, only when it names one), then mark_deleting (traffic stops),
 * remove_backup_schedule (its Temporal Schedule or timer loop), undo_configure_dns,
 * undo_create_database, undo_store_credentials, mark_deleted. Each activity is idempotent, so a
 * restarted or repeated offboarding finishes what an earlier one began. A step that fails for good
 * fails the workflow and leaves the tenant DELETING, which the platform's restart check picks up
 * again. A final backup that fails fails the workflow before anything changed: the tenant keeps its
 * status and database; so does a final export that fails. The export's registry row and stored
 * archive outlive the database: its link can be issued after the tenant is DELETED.
 */
public class OffboardTenantWorkflowImpl implements OffboardTenantWorkflow {

  private static final Logger log = Workflow.getLogger(OffboardTenantWorkflowImpl.class);

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.REGISTRY);
  private final TenantDatabaseActivities database =
      Workflow.newActivityStub(TenantDatabaseActivities.class, ActivityPolicies.DATABASE);
  private final DnsActivities dns =
      Workflow.newActivityStub(DnsActivities.class, ActivityPolicies.DNS);
  private final BackupActivities backups =
      Workflow.newActivityStub(BackupActivities.class, ActivityPolicies.REGISTRY);

  @Override
  public String offboard(TenantOperation operation) {
    log.info("offboarding tenant {}", operation.tenantId());
    StepInput input = StepInput.of(operation.tenantId(), operation.subdomain());
    LifecycleActivities.audit(
        registry,
        operation,
        "offboard_tenant",
        Outcome.STARTED,
        operation.skipFinalBackup() ? Map.of("skip_final_backup", "true") : Map.of());
    finalBackup(operation);
    // Histories from before the final export have no marker and replay without it.
    int version = Workflow.getVersion(FINAL_EXPORT_CHANGE, Workflow.DEFAULT_VERSION, 1);
    if (version >= 1 && operation.finalExportId() != null) {
      finalExport(operation);
    }
    registry.markDeleting(input);
    backups.removeBackupSchedule(operation.tenantId());
    dns.deleteDns(input);
    database.dropDatabase(input);
    registry.eraseCredentials(input);
    registry.markDeleted(input);
    LifecycleActivities.audit(registry, operation, "offboard_tenant", Outcome.SUCCEEDED, Map.of());
    return "DELETED";
  }

  /** Takes the final backup, or fails the offboarding (nothing dropped) when it fails. */
  private void finalBackup(TenantOperation operation) {
    if (operation.skipFinalBackup()) {
      log.warn("tenant {}: offboarded without a final backup", operation.tenantId());
      return;
    }
    if (!backups.finalBackupNeeded(operation.tenantId())) {
      return;
    }
    UUID backupId = Workflow.randomUUID();
    BackupTenantWorkflow child =
        Workflow.newChildWorkflowStub(
            BackupTenantWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(BackupTenantWorkflow.workflowId(operation.tenantId(), backupId))
                .build());
    finalCopy(
        operation,
        "final_backup",
        "backup_id",
        backupId,
        () ->
            child.backup(
                new BackupTenantWorkflow.BackupRequest(
                    operation.tenantId(), backupId, FINAL_TRIGGER, operation.actor())),
        "Fix the cause and offboard again, or offboard with skip_final_backup=true"
            + " to delete the tenant without a final backup.",
        "FINAL_BACKUP_FAILED");
  }

  /** Fills the requested final export, or fails the offboarding (nothing dropped) when it fails. */
  private void finalExport(TenantOperation operation) {
    UUID exportId = operation.finalExportId();
    ExportTenantWorkflow child =
        Workflow.newChildWorkflowStub(
            ExportTenantWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(ExportTenantWorkflow.workflowId(operation.tenantId(), exportId))
                .build());
    finalCopy(
        operation,
        "final_export",
        "export_id",
        exportId,
        () ->
            child.export(
                new ExportTenantWorkflow.ExportRequest(
                    operation.tenantId(),
                    exportId,
                    operation.actor(),
                    Math.max(1, operation.finalExportLinkTtlSeconds()))),
        "Fix the cause and offboard again, or offboard without final_export.",
        "FINAL_EXPORT_FAILED");
  }

  /**
   * The shape both final copies share: runs the step's child workflow; when it fails, audits {@code
   * offboard_tenant} FAILED with the step, the copy's id and the reason, and fails the offboarding
   * before anything was dropped ({@code "<final backup|final export> failed, tenant … not
   * offboarded (nothing dropped): <reason>. <what to do>"}, non-retryable, {@code type}). The
   * commands are those each step ran before it had this shape, so recorded histories replay.
   */
  private void finalCopy(
      TenantOperation operation,
      String step,
      String idKey,
      UUID id,
      Runnable child,
      String whatToDo,
      String type) {
    try {
      child.run();
    } catch (ChildWorkflowFailure e) {
      String reason = reason(e);
      LifecycleActivities.audit(
          registry,
          operation,
          "offboard_tenant",
          Outcome.FAILED,
          Map.of("step", step, idKey, id.toString(), "error", reason));
      throw ApplicationFailure.newNonRetryableFailure(
          step.replace('_', ' ')
              + " failed, tenant "
              + operation.tenantId()
              + " not offboarded (nothing dropped): "
              + reason
              + ". "
              + whatToDo,
          type);
    }
  }

  /** The innermost failure's message: the activity's own words (no secret). */
  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    return t.getMessage();
  }

  /** The change id of the final export step ({@code Workflow.getVersion}). */
  static final String FINAL_EXPORT_CHANGE = "offboard-final-export";

  /** The trigger of the backup offboarding takes. */
  public static final String FINAL_TRIGGER = "offboarding";
}
