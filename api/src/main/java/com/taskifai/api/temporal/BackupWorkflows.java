package com.taskifai.api.temporal;

import com.taskifai.api.ApiSettings;
import com.taskifai.registry.Tenant;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.backup.DeleteBackupWorkflow;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import io.temporal.client.WorkflowClient;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The backups API's workflows: back up now, restore, delete a backup, and a restore's progress.
 * Every call runs under {@link TemporalCalls}' deadline.
 */
@Component
public class BackupWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;
  private final ApiSettings settings;

  BackupWorkflows(TemporalCalls calls, ApiSettings settings) {
    this.calls = calls;
    this.client = calls.client();
    this.settings = settings;
  }

  /** Starts a backup of the tenant; returns its workflow id. */
  public String startBackup(Tenant t, UUID backupId, String trigger, String actor) {
    String id = WorkflowIds.backup(t.tenantId(), backupId);
    BackupTenantWorkflow stub = client.newWorkflowStub(BackupTenantWorkflow.class, options(t, id));
    calls.call(
        "the start of " + id,
        () ->
            WorkflowClient.start(
                stub::backup,
                new BackupTenantWorkflow.BackupRequest(t.tenantId(), backupId, trigger, actor)));
    return id;
  }

  /** Starts a restore of one of the tenant's backups; returns its workflow id. */
  public String startRestore(Tenant t, RestoreTenantWorkflow.RestoreRequest request) {
    String id = WorkflowIds.restore(t.tenantId(), request.backupId(), request.restoreId());
    RestoreTenantWorkflow stub =
        client.newWorkflowStub(RestoreTenantWorkflow.class, options(t, id));
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::restore, request));
    return id;
  }

  /** A restore's progress; empty when the workflow is gone or does not answer in time. */
  public Optional<RestoreTenantWorkflow.RestoreProgress> restoreProgress(String workflowId) {
    RestoreTenantWorkflow stub = client.newWorkflowStub(RestoreTenantWorkflow.class, workflowId);
    return calls.query(workflowId, stub::progress);
  }

  /** Starts a restore of the tenant's database to a point in time; returns its workflow id. */
  public String startRestoreToTime(
      Tenant t, com.taskifai.workflows.pitr.RestoreToTimeWorkflow.RestoreToTimeRequest request) {
    String id = WorkflowIds.restoreToTime(t.tenantId(), request.restoreId());
    var stub =
        client.newWorkflowStub(
            com.taskifai.workflows.pitr.RestoreToTimeWorkflow.class, options(t, id));
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::restoreToTime, request));
    return id;
  }

  /** A restore to a time's progress; empty when the workflow is gone or does not answer in time. */
  public Optional<com.taskifai.workflows.pitr.RestoreToTimeWorkflow.RestoreToTimeProgress>
      restoreToTimeProgress(String workflowId) {
    var stub =
        client.newWorkflowStub(com.taskifai.workflows.pitr.RestoreToTimeWorkflow.class, workflowId);
    return calls.query(workflowId, stub::progress);
  }

  /**
   * Starts the deletion of a backup; a deletion of it that runs already is the answer. Returns the
   * workflow id.
   */
  public String startDelete(Tenant t, UUID backupId, String actor) {
    String id = WorkflowIds.deleteBackup(t.tenantId(), backupId);
    DeleteBackupWorkflow stub = client.newWorkflowStub(DeleteBackupWorkflow.class, options(t, id));
    try {
      calls.call(
          "the start of " + id,
          () -> WorkflowClient.start(stub::delete, t.tenantId(), backupId, actor));
    } catch (WorkflowAlreadyRunning running) {
      // a deletion of this backup runs already
    }
    return id;
  }

  private io.temporal.client.WorkflowOptions options(Tenant t, String id) {
    return TenantWorkflows.tenantOptions(t, id, settings.searchAttributes()).build();
  }
}
