package com.taskifai.workflows.pitr;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.backup.SwapAndRetire;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.BackupActivities.BackupInput;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.PointInTimeActivities;
import com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
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

  private final SwapAndRetire tail =
      new SwapAndRetire(
          short_,
          new SwapAndRetire.Steps(
              RestoreToTimeStep.SWAP_DATABASE,
              RestoreToTimeStep.SEAL_RESTORED_COPY,
              RestoreToTimeStep.UNDO_SWAP_DATABASE,
              RestoreToTimeStep.UNDO_PREPARE_POINT_IN_TIME_COPY,
              RestoreToTimeStep.GRACE_PERIOD,
              RestoreToTimeStep.DROP_RETIRED_DATABASE),
          RestoreToTimeStep.CLAIM_OPERATION);

  // Set by a provider's restore in place, which has no swap and no grace.
  private String providerOutcome;

  @Override
  public String restoreToTime(RestoreToTimeRequest request) {
    boolean replace = "replace".equals(request.mode());
    String operationId = "restore-to-time:" + request.restoreId();
    PointInTimeInput input =
        new PointInTimeInput(request.tenantId(), request.restoreId(), request.at(), operationId);
    if (RestoreToTimeWorkflow.PROVIDER_SUPABASE.equals(request.provider())) {
      // Only requests that name a provider take this path, so older histories replay unchanged.
      return restoreByProvider(request, input, operationId);
    }
    // The swap, seal and drop are the backup restore's; they read no backup.
    BackupInput swapInput =
        new BackupInput(request.tenantId(), null, operationId, "restore-to-time", request.actor());
    audit(request, Outcome.STARTED);
    short_.claimOperation(request.tenantId(), "RESTORING", operationId);
    try {
      tail.at(RestoreToTimeStep.PREPARE_POINT_IN_TIME_COPY);
      RestoreTarget target = pointInTime.preparePointInTimeCopy(input);
      String newDatabase = target.newDatabase();
      tail.madeNewDatabase(newDatabase);
      try {
        tail.at(RestoreToTimeStep.RESTORE_SCRATCH);
        long_.restoreScratch(input);
        tail.at(RestoreToTimeStep.COPY_FROM_SCRATCH);
        long_.copyFromScratch(input, newDatabase);
        tail.at(RestoreToTimeStep.VERIFY_POINT_IN_TIME_COPY);
        long_.verifyCopy(input, newDatabase);
        tail.swapOrSeal(replace, swapInput, target, SwapAndRetire.ALWAYS);
      } catch (ActivityFailure e) {
        log.warn(
            "tenant {}: restore to time failed at {}; dropping {}",
            request.tenantId(),
            tail.step(),
            newDatabase);
        tail.undo(e, swapInput, target, SwapAndRetire.ALWAYS);
        tail.at(RestoreToTimeStep.REMOVE_SCRATCH);
        pointInTime.removeScratch(input);
        throw e;
      }
      tail.at(RestoreToTimeStep.REMOVE_SCRATCH);
      pointInTime.removeScratch(input);
    } catch (ActivityFailure e) {
      tail.failed(e);
      audit(request, Outcome.FAILED, "step", tail.step());
      throw e;
    } finally {
      short_.releaseOperation(request.tenantId(), operationId);
    }
    String outcome = tail.succeeded(replace);
    audit(request, Outcome.SUCCEEDED);
    tail.retireAfterGrace(request.tenantId(), replace, request.graceSeconds());
    return outcome;
  }

  /**
   * claim_operation, restore_by_provider (the provider restores the project in place and the step
   * waits until it is healthy), release_operation. Nothing to undo: the provider either restored
   * the project or left it as it was.
   */
  private String restoreByProvider(
      RestoreToTimeRequest request, PointInTimeInput input, String operationId) {
    audit(request, Outcome.STARTED, "provider", request.provider());
    short_.claimOperation(request.tenantId(), "RESTORING", operationId);
    try {
      tail.at(RestoreToTimeStep.RESTORE_BY_PROVIDER);
      long_.restoreByProvider(input);
    } catch (ActivityFailure e) {
      tail.failed(e);
      audit(request, Outcome.FAILED, "step", tail.step(), "provider", request.provider());
      throw e;
    } finally {
      short_.releaseOperation(request.tenantId(), operationId);
    }
    providerOutcome = RestoreToTimeWorkflow.RESTORED_BY_PROVIDER;
    tail.at(() -> com.taskifai.workflows.StepName.DONE);
    audit(request, Outcome.SUCCEEDED, "provider", request.provider());
    return providerOutcome;
  }

  @Override
  public RestoreToTimeProgress progress() {
    return new RestoreToTimeProgress(
        tail.step(),
        tail.newDatabase(),
        tail.retiredDatabase(),
        providerOutcome != null ? providerOutcome : tail.outcome(),
        tail.error());
  }

  @Override
  public void retireNow() {
    tail.retireNow();
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
