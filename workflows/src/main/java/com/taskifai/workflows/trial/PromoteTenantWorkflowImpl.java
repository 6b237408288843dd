package com.taskifai.workflows.trial;

import static com.taskifai.workflows.ActivityPolicies.DATABASE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_CREATE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_UNDO;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY_UNDO;
import static com.taskifai.workflows.ActivityPolicies.STEP_RETRY;

import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TrialActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;
import java.util.Optional;

/**
 * The promotion saga. Before the swap every step has an undo or is undone by dropping the new
 * database, so a failure leaves the trial as it was (rows in the shared database, routing
 * unchanged, no dedicated database). From the swap on the tenant lives in its own database; the
 * deletion of its shared rows is retried and never rolls the promotion back.
 */
public class PromoteTenantWorkflowImpl implements PromoteTenantWorkflow {
  private final TrialActivities trial = Workflow.newActivityStub(TrialActivities.class, REGISTRY);
  private final TrialActivities trialDatabase =
      Workflow.newActivityStub(TrialActivities.class, DATABASE);
  private final TrialActivities trialCopy =
      Workflow.newActivityStub(TrialActivities.class, DATABASE_CREATE);
  private final TrialActivities trialUndo =
      Workflow.newActivityStub(TrialActivities.class, REGISTRY_UNDO);
  // From the swap on the promotion only goes forward: as soon as one attempt of the release
  // commits, writes reach the new database, so the release is retried until it is done (releasing
  // twice is fine) instead of failing into a rollback that would drop them with that database.
  private final TrialActivities trialAfterSwap =
      Workflow.newActivityStub(
          TrialActivities.class,
          ActivityOptions.newBuilder(REGISTRY)
              .setRetryOptions(RetryOptions.newBuilder(STEP_RETRY).setMaximumAttempts(0).build())
              .build());
  private final TrialActivities trialDatabaseUndo =
      Workflow.newActivityStub(TrialActivities.class, DATABASE_UNDO);
  private final TenantDatabaseActivities database =
      Workflow.newActivityStub(TenantDatabaseActivities.class, DATABASE);
  private final TenantDatabaseActivities databaseCreate =
      Workflow.newActivityStub(TenantDatabaseActivities.class, DATABASE_CREATE);
  private final TenantDatabaseActivities databaseUndo =
      Workflow.newActivityStub(TenantDatabaseActivities.class, DATABASE_UNDO);

  private final Saga saga = new Saga("promotion", STEPS);
  private PromoteTenantRequest request;
  private String status = "PROMOTING";
  private Map<String, Long> copied = Map.of();
  private String failedStep;
  private String reason;

  @Override
  public PromotionProgress promote(PromoteTenantRequest request) {
    this.request = request;
    String op = PromoteTenantWorkflow.workflowId(request.tenantId());
    StepInput in = StepInput.of(request.tenantId(), request.subdomain());
    try {
      saga.step(
          "claim_promotion",
          () -> trial.claimPromotion(request.tenantId(), op),
          "release_promotion",
          () -> trialUndo.releasePromotion(request.tenantId(), op));
      saga.step(
          "create_database",
          () -> databaseCreate.createDatabase(in),
          "undo_create_database",
          () -> databaseUndo.dropDatabase(in));
      saga.step("migrate_schema", () -> database.migrateSchema(in));
      saga.step("apply_rls", () -> database.applyRls(in));
      saga.step(
          "hold_trial_writes",
          () -> trial.holdWrites(request.tenantId(), op),
          "undo_hold_trial_writes",
          () -> trialDatabaseUndo.releaseWrites(request.tenantId(), op));
      saga.step("copy_trial_rows", () -> copied = trialCopy.copyTrialRows(request.tenantId()));
      saga.step("verify_trial_copy", () -> trialDatabase.verifyTrialCopy(request.tenantId()));
      saga.step(
          "swap_to_dedicated",
          () -> trial.swapToDedicated(request.tenantId(), op),
          "undo_swap_to_dedicated",
          () -> trialUndo.undoSwapToDedicated(request.tenantId(), op));
      // The end of the write hold: from here on the tenant is served by its own database.
      trialAfterSwap.releasePromotion(request.tenantId(), op);
    } catch (TemporalFailure failure) {
      Saga.Rollback rollback = saga.rollBack(failure, Saga.Listener.NONE);
      status = rollback.complete() ? "FAILED" : "ROLLBACK_FAILED";
      failedStep = rollback.failedStep();
      reason = rollback.complete() ? rollback.reason() : rollback.summary();
      return progress();
    }
    status = "PROMOTED";
    // The tenant lives in its own database now; what is left is cleanup that never undoes it.
    Optional<String> cleanup =
        saga.tryStep("delete_trial_rows", () -> trialDatabase.deleteTrialRows(request.tenantId()));
    cleanup.ifPresent(r -> reason = "promoted; its rows stay in the shared database: " + r);
    return progress();
  }

  @Override
  public PromotionProgress progress() {
    return new PromotionProgress(
        request == null ? null : request.tenantId(),
        status,
        saga.progress(),
        copied,
        failedStep,
        reason);
  }
}
