package com.taskifai.workflows.pitr;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.backup.BackupPolicies;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.PointInTimeActivities;
import com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * claim_operation (RESTORING, for the whole restore), prepare_point_in_time_copy (the new empty
 * database), restore_scratch, copy_from_scratch, verify_point_in_time_copy, then for {@code
 * replace} the backup restore's swap_database (same write hold, same fence) or for {@code copy}
 * seal_restored_copy; remove_scratch; release_operation; a durable timer for the grace period (or
 * {@link #retireNow}); drop_retired_database. A failure before the swap lifts the fence
 * (undo_swap_database), drops the new database, removes the scratch instance and changes nothing
 * else.
 */
public class RestoreToTimeWorkflowImpl implements RestoreToTimeWorkflow {
  private static final Logger log = Workflow.getLogger(RestoreToTimeWorkflowImpl.class);

  private final BackupActivities short_ =
      Workflow.newActivityStub(BackupActivities.class, ActivityPolicies.FLEET_SHORT);
  // Restoring the archive and copying the database last as long as the data needs (heartbeating).
  private final PointInTimeActivities long_ =
      Workflow.newActivityStub(PointInTimeActivities.class, ActivityPolicies.FLEET_LONG);
  private final PointInTimeActivities pointInTime =
      Workflow.newActivityStub(PointInTimeActivities.class, ActivityPolicies.FLEET_SHORT);
  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.FLEET_SHORT);

  private String step = RestoreToTimeStep.CLAIM_OPERATION.stepName();
  private String newDatabase;
  private String retiredDatabase;
  private String outcome = "RUNNING";
  private String error;
  private boolean retireNow;

  @Override
  public String restoreToTime(RestoreToTimeRequest request) {
    boolean replace = "replace".equals(request.mode());
    String operationId = "restore-to-time:" + request.restoreId();
    PointInTimeInput input =
        new PointInTimeInput(request.tenantId(), request.restoreId(), request.at(), operationId);
    // The swap, seal and drop are the backup restore's; they read no backup.
    BackupInput swapInput =
        new BackupInput(request.tenantId(), null, operationId, "restore-to-time", request.actor());
    audit(request, Outcome.STARTED);
    short_.claimOperation(request.tenantId(), "RESTORING", operationId);
    try {
      step = RestoreToTimeStep.PREPARE_POINT_IN_TIME_COPY.stepName();
      RestoreTarget target = pointInTime.preparePointInTimeCopy(input);
      newDatabase = target.newDatabase();
      try {
        step = RestoreToTimeStep.RESTORE_SCRATCH.stepName();
        long_.restoreScratch(input);
        step = RestoreToTimeStep.COPY_FROM_SCRATCH.stepName();
        long_.copyFromScratch(input, newDatabase);
        step = RestoreToTimeStep.VERIFY_POINT_IN_TIME_COPY.stepName();
        long_.verifyCopy(input, newDatabase);
        if (replace) {
          step = RestoreToTimeStep.SWAP_DATABASE.stepName();
          short_.swapDatabase(swapInput, target);
          retiredDatabase = target.currentDatabase();
        } else {
          step = RestoreToTimeStep.SEAL_RESTORED_COPY.stepName();
          short_.sealRestoredCopy(swapInput, newDatabase);
        }
      } catch (ActivityFailure e) {
        error = BackupPolicies.reason(e);
        outcome = "FAILED";
        log.warn(
            "tenant {}: restore to time failed at {}; dropping {}",
            request.tenantId(),
            step,
            newDatabase);
        if (RestoreToTimeStep.SWAP_DATABASE.stepName().equals(step)) {
          // swap_database may have fenced the old database before it failed.
          step = RestoreToTimeStep.UNDO_SWAP_DATABASE.stepName();
          short_.undoSwapDatabase(swapInput, target);
        }
        step = RestoreToTimeStep.UNDO_PREPARE_POINT_IN_TIME_COPY.stepName();
        short_.dropRetiredDatabase(request.tenantId(), newDatabase);
        step = RestoreToTimeStep.REMOVE_SCRATCH.stepName();
        pointInTime.removeScratch(input);
        throw e;
      }
      step = RestoreToTimeStep.REMOVE_SCRATCH.stepName();
      pointInTime.removeScratch(input);
    } catch (ActivityFailure e) {
      error = BackupPolicies.reason(e);
      outcome = "FAILED";
      audit(request, Outcome.FAILED, "step", step);
      throw e;
    } finally {
      short_.releaseOperation(request.tenantId(), operationId);
    }
    outcome = replace ? "SWAPPED" : "COPIED";
    audit(request, Outcome.SUCCEEDED);
    step = RestoreToTimeStep.GRACE_PERIOD.stepName();
    Workflow.await(Duration.ofSeconds(Math.max(0, request.graceSeconds())), () -> retireNow);
    step = RestoreToTimeStep.DROP_RETIRED_DATABASE.stepName();
    short_.dropRetiredDatabase(request.tenantId(), replace ? retiredDatabase : newDatabase);
    step = StepName.DONE;
    return outcome;
  }

  @Override
  public RestoreToTimeProgress progress() {
    return new RestoreToTimeProgress(step, newDatabase, retiredDatabase, outcome, error);
  }

  @Override
  public void retireNow() {
    retireNow = true;
  }

  private void audit(RestoreToTimeRequest request, Outcome outcome, String... detail) {
    Map<String, String> d = new HashMap<>();
    d.put("mode", request.mode());
    d.put("at", request.at().toString());
    for (int i = 0; i + 1 < detail.length; i += 2) {
      d.put(detail[i], detail[i + 1]);
    }
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(),
            request.actor() == null ? "system" : request.actor(),
            "restore_to_time",
            null,
            outcome,
            d));
  }
}
