package com.taskifai.workflows.backup;

import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;
import org.slf4j.Logger;

/**
 * claim_operation (BACKING_UP), dump_database, release_operation. A dump that fails for good marks
 * the backup FAILED and removes whatever the store holds for it (undo_dump_database), so no partial
 * backup is ever listed as good; the operation is released either way.
 */
public class BackupTenantWorkflowImpl implements BackupTenantWorkflow {
  private static final Logger log = Workflow.getLogger(BackupTenantWorkflowImpl.class);

  private final BackupActivities backups =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.SHORT);
  private final BackupActivities dumps =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.LONG);
  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, BackupPolicies.SHORT);

  @Override
  public String backup(BackupRequest request) {
    String operationId = "backup:" + request.backupId();
    BackupInput input =
        new BackupInput(
            request.tenantId(),
            request.backupId(),
            operationId,
            request.trigger(),
            request.actor());
    backups.claimOperation(request.tenantId(), "BACKING_UP", operationId);
    try {
      BackupActivities.BackupSummary summary = dumps.dumpDatabase(input);
      audit(
          request,
          Outcome.SUCCEEDED,
          Map.of(
              "backup_id",
              request.backupId().toString(),
              "size_bytes",
              Long.toString(summary.sizeBytes())));
      return summary.backupId().toString();
    } catch (ActivityFailure e) {
      log.warn("tenant {}: backup {} failed", request.tenantId(), request.backupId());
      backups.failBackup(input, BackupPolicies.reason(e));
      audit(request, Outcome.FAILED, Map.of("backup_id", request.backupId().toString()));
      throw e;
    } finally {
      backups.releaseOperation(request.tenantId(), operationId);
    }
  }

  private void audit(BackupRequest request, Outcome outcome, Map<String, String> detail) {
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(),
            request.actor() == null ? "system" : request.actor(),
            "backup_tenant",
            null,
            outcome,
            detail));
  }
}
