package com.taskifai.workflows.backup;

import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
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

  private String step = RestoreStep.CLAIM_OPERATION.stepName();
  private String newDatabase;
  private String retiredDatabase;
  private String outcome = "RUNNING";
  private String error;
  private boolean retireNow;

  @Override
  public String restore(RestoreRequest request) {
    boolean replace = "replace".equals(request.mode());
    String operationId = "restore:" + request.restoreId();
    BackupInput input =
        new BackupInput(request.tenantId(), request.backupId(), operationId, "restore", null);
    audit(request, Outcome.STARTED, Map.of("mode", request.mode()));
    short_.claimOperation(request.tenantId(), "RESTORING", operationId);
    try {
      step = RestoreStep.PREPARE_RESTORE.stepName();
      BackupActivities.RestoreTarget target = long_.prepareRestore(input, request.restoreId());
      newDatabase = target.newDatabase();
      try {
        step = RestoreStep.RESTORE_DATABASE.stepName();
        long_.restoreDatabase(input, newDatabase);
        step = RestoreStep.VERIFY_RESTORE.stepName();
        long_.verifyRestore(input, newDatabase);
        if (replace) {
          step = RestoreStep.SWAP_DATABASE.stepName();
          short_.swapDatabase(input, target);
          retiredDatabase = target.currentDatabase();
        } else if (Workflow.getVersion(SEAL_COPY, Workflow.DEFAULT_VERSION, 1) >= 1) {
          step = RestoreStep.SEAL_RESTORED_COPY.stepName();
          short_.sealRestoredCopy(input, newDatabase);
        }
      } catch (ActivityFailure e) {
        error = BackupPolicies.reason(e);
        outcome = "FAILED";
        log.warn(
            "tenant {}: restore failed at {}; dropping {}", request.tenantId(), step, newDatabase);
        if (RestoreStep.SWAP_DATABASE.stepName().equals(step)
            && Workflow.getVersion(UNDO_SWAP, Workflow.DEFAULT_VERSION, 1) >= 1) {
          // swap_database may have fenced the old database before it failed.
          step = RestoreStep.UNDO_SWAP_DATABASE.stepName();
          short_.undoSwapDatabase(input, target);
        }
        step = RestoreStep.UNDO_PREPARE_RESTORE.stepName();
        short_.dropRetiredDatabase(request.tenantId(), newDatabase);
        throw e;
      }
    } catch (ActivityFailure e) {
      error = BackupPolicies.reason(e);
      outcome = "FAILED";
      audit(request, Outcome.FAILED, Map.of("mode", request.mode(), "step", step));
      throw e;
    } finally {
      short_.releaseOperation(request.tenantId(), operationId);
    }
    outcome = replace ? "SWAPPED" : "COPIED";
    audit(request, Outcome.SUCCEEDED, Map.of("mode", request.mode()));
    step = RestoreStep.GRACE_PERIOD.stepName();
    Workflow.await(Duration.ofSeconds(Math.max(0, request.graceSeconds())), () -> retireNow);
    step = RestoreStep.DROP_RETIRED_DATABASE.stepName();
    short_.dropRetiredDatabase(request.tenantId(), replace ? retiredDatabase : newDatabase);
    step = StepName.DONE;
    return outcome;
  }

  @Override
  public RestoreProgress progress() {
    return new RestoreProgress(step, newDatabase, retiredDatabase, outcome, error);
  }

  @Override
  public void retireNow() {
    retireNow = true;
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
