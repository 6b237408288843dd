package com.taskifai.workflows.move;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.StepName;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.MoveActivities;
import com.taskifai.workflows.ports.MoveActivities.CopyManifest;
import com.taskifai.workflows.ports.MoveActivities.MoveInput;
import com.taskifai.workflows.ports.MoveActivities.MoveSource;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * claim_operation (MOVING), check_move, prepare_move_target (undo: drop it), hold_writes (undo:
 * release them), copy_database (pg_dump | pg_restore, manifest from the dump's snapshot),
 * verify_copy, swap_server; then release_operation, a durable timer for the grace period (or {@link
 * #retireNow}), retire_source. Any failure before the swap rolls the saga back: the target database
 * is dropped, writes are released, the tenant is where it was.
 */
public class MoveTenantWorkflowImpl implements MoveTenantWorkflow {
  private static final Logger log = Workflow.getLogger(MoveTenantWorkflowImpl.class);

  private final MoveActivities short_ =
      Workflow.newActivityStub(MoveActivities.class, ActivityPolicies.FLEET_SHORT);
  private final MoveActivities long_ =
      Workflow.newActivityStub(MoveActivities.class, ActivityPolicies.FLEET_LONG);
  private final BackupActivities operations =
      Workflow.newActivityStub(BackupActivities.class, ActivityPolicies.FLEET_SHORT);
  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.FLEET_SHORT);

  private final Saga saga = new Saga("move", STEPS);
  private String step = MoveStep.CLAIM_OPERATION.stepName();
  private String source;
  private String target;
  private String database;
  private String outcome = "RUNNING";
  private String error;
  private boolean retireNow;

  @Override
  public String move(MoveRequest request) {
    target = request.targetServerId();
    String operationId = "move:" + target + ":" + Workflow.getInfo().getRunId().substring(0, 8);
    audit(request, Outcome.STARTED, Map.of());
    MoveInput input;
    try {
      run(
          MoveStep.CLAIM_OPERATION,
          () -> operations.claimOperation(request.tenantId(), "MOVING", operationId));
      run(
          MoveStep.CHECK_MOVE,
          () -> {
            MoveSource s = short_.checkMove(request.tenantId(), target);
            source = s.serverId();
            database = s.database();
          });
      input = new MoveInput(request.tenantId(), source, target, database, operationId);
      run(
          MoveStep.PREPARE_MOVE_TARGET,
          () -> short_.prepareTarget(input),
          () -> short_.dropTarget(input));
      run(MoveStep.HOLD_WRITES, () -> short_.holdWrites(input), () -> short_.releaseWrites(input));
      CopyManifest[] manifest = new CopyManifest[1];
      run(MoveStep.COPY_DATABASE, () -> manifest[0] = long_.copyDatabase(input));
      run(MoveStep.VERIFY_COPY, () -> long_.verifyCopy(input, manifest[0]));
      run(MoveStep.SWAP_SERVER, () -> short_.swapServer(input));
    } catch (TemporalFailure failure) {
      Saga.Rollback rollback = saga.rollBack(failure, Saga.Listener.NONE);
      outcome = "FAILED";
      error = rollback.complete() ? rollback.reason() : rollback.summary();
      log.warn("tenant {}: move to {} failed at {}", request.tenantId(), target, step);
      String reported =
          MoveStep.CHECK_MOVE.stepName().equals(step) && notMovable(failure)
              ? DrainServerWorkflow.SKIPPED
              : "FAILED";
      Workflow.newDetachedCancellationScope(
              () -> {
                operations.releaseOperation(request.tenantId(), operationId);
                report(request, reported, error);
                audit(
                    request, Outcome.FAILED, Map.of("step", String.valueOf(rollback.failedStep())));
              })
          .run();
      throw failure;
    }
    run(
        MoveStep.RELEASE_OPERATION,
        () -> operations.releaseOperation(request.tenantId(), operationId));
    outcome = "SWAPPED";
    report(request, "MOVED", null);
    audit(request, Outcome.SUCCEEDED, Map.of());
    run(
        MoveStep.GRACE_PERIOD,
        () ->
            Workflow.await(
                Duration.ofSeconds(Math.max(0, request.graceSeconds())), () -> retireNow));
    run(MoveStep.RETIRE_SOURCE, () -> short_.retireSource(input));
    outcome = "MOVED";
    step = StepName.DONE;
    return outcome;
  }

  /**
   * Whether check_move found the tenant no longer movable (offboarded, being deleted): a refusal
   * before anything changed, which a drain skips rather than counts as a failed move.
   */
  static boolean notMovable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure a && FailureType.NOT_MOVABLE.name().equals(a.getType())) {
        return true;
      }
    }
    return false;
  }

  private void run(MoveStep next, Runnable effect) {
    step = next.stepName();
    saga.step(step, effect);
  }

  private void run(MoveStep next, Runnable effect, Runnable undo) {
    step = next.stepName();
    saga.step(step, effect, next.undoName(), undo);
  }

  @Override
  public MoveProgress progress() {
    return new MoveProgress(step, source, target, database, outcome, error, saga.progress());
  }

  @Override
  public void retireNow() {
    retireNow = true;
  }

  /** Tells the drain that started this move how it went; a drain that is gone is no failure. */
  private void report(MoveRequest request, String result, String reason) {
    if (request.drainWorkflowId() == null) {
      return;
    }
    try {
      Workflow.newExternalWorkflowStub(DrainServerWorkflow.class, request.drainWorkflowId())
          .moveReported(
              new DrainServerWorkflow.TenantResult(request.tenantId(), target, result, reason));
    } catch (RuntimeException e) {
      log.warn(
          "tenant {}: drain {} not told: {}", request.tenantId(), request.drainWorkflowId(), e);
    }
  }

  private void audit(MoveRequest request, Outcome outcome, Map<String, String> detail) {
    Map<String, String> d = new HashMap<>(detail);
    d.put("target_server", target);
    // Names the move on the tenant's page, also when a drain started it.
    d.put("workflow_id", Workflow.getInfo().getWorkflowId());
    if (source != null) {
      d.put("source_server", source);
    }
    if (request.drainWorkflowId() != null) {
      d.put("drain", request.drainWorkflowId());
    }
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(),
            request.actor() == null ? "system" : request.actor(),
            "move_tenant",
            null,
            outcome,
            d));
  }
}
