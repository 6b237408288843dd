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
 * claim_operation (RESTORING), prepare_restore (checksum, new database), restore_database,
 * verify_restore, then for {@code replace} swap_database (which fences the old database) or for
 * {@code copy} seal_restored_copy; release_operation; a durable timer for the grace period (or
 * {@link #retireNow}); drop_retired_database. Any failure before the swap lifts the fence
 * (undo_swap_database), drops the new database and changes nothing else (plain try/catch
 * compensation).
 */
public class RestoreTenantWorkflowImpl implements RestoreTenantWorkflow {
  private static final Logger log = Workflow.getLogger(RestoreTenantWorkflowImpl.class);

  /** Change id: a copy is sealed (read-only, closed to the app role) once verified. */
  static final String SEAL_COPY = "seal-restored-copy";

  /** Change id: a failed swap lifts the fence it may have set on the old database. */
  static final String UNDO_SWAP = "undo-swap-database";

  private final BackupActivities short_ =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.SHORT);
  private final BackupActivities long_ =
      Workflow.newActivityStub(BackupActivities.class, BackupPolicies.LONG);
  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, BackupPolicies.SHORT);

  private final SwapAndRetire tail =
      new SwapAndRetire(
          short_,
          new SwapAndRetire.Steps(
              RestoreStep.SWAP_DATABASE,
              RestoreStep.SEAL_RESTORED_COPY,
              RestoreStep.UNDO_SWAP_DATABASE,
              RestoreStep.UNDO_PREPARE_RESTORE,
              RestoreStep.GRACE_PERIOD,
              RestoreStep.DROP_RETIRED_DATABASE),
          RestoreStep.CLAIM_OPERATION);

  @Override
  public String restore(RestoreRequest request) {
    boolean replace = "replace".equals(request.mode());
    String operationId = "restore:" + request.restoreId();
    BackupInput input =
        new BackupInput(request.tenantId(), request.backupId(), operationId, "restore", null);
    audit(request, Outcome.STARTED, Map.of("mode", request.mode()));
    short_.claimOperation(request.tenantId(), "RESTORING", operationId);
    try {
      tail.at(RestoreStep.PREPARE_RESTORE);
      BackupActivities.RestoreTarget target = long_.prepareRestore(input, request.restoreId());
      tail.madeNewDatabase(target.newDatabase());
      try {
        tail.at(RestoreStep.RESTORE_DATABASE);
        long_.restoreDatabase(input, target.newDatabase());
        tail.at(RestoreStep.VERIFY_RESTORE);
        long_.verifyRestore(input, target.newDatabase());
        tail.swapOrSeal(
            replace,
            input,
            target,
            () -> Workflow.getVersion(SEAL_COPY, Workflow.DEFAULT_VERSION, 1) >= 1);
      } catch (ActivityFailure e) {
        log.warn(
            "tenant {}: restore failed at {}; dropping {}",
            request.tenantId(),
            tail.step(),
            target.newDatabase());
        tail.undo(
            e,
            input,
            target,
            () -> Workflow.getVersion(UNDO_SWAP, Workflow.DEFAULT_VERSION, 1) >= 1);
        throw e;
      }
    } catch (ActivityFailure e) {
      tail.failed(e);
      audit(request, Outcome.FAILED, Map.of("mode", request.mode(), "step", tail.step()));
      throw e;
    } finally {
      short_.releaseOperation(request.tenantId(), operationId);
    }
    String outcome = tail.succeeded(replace);
    audit(request, Outcome.SUCCEEDED, Map.of("mode", request.mode()));
    tail.retireAfterGrace(request.tenantId(), replace, request.graceSeconds());
    return outcome;
  }

  @Override
  public RestoreProgress progress() {
    return new RestoreProgress(
        tail.step(), tail.newDatabase(), tail.retiredDatabase(), tail.outcome(), tail.error());
  }

  @Override
  public void retireNow() {
    tail.retireNow();
  }

  private void audit(RestoreRequest request, Outcome outcome, Map<String, String> detail) {
    var d = new java.util.HashMap<>(detail);
    d.put("backup_id", request.backupId().toString());
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(),
            request.actor() == null ? "system" : request.actor(),
            "restore_tenant",
            null,
            outcome,
            d));
  }
}
