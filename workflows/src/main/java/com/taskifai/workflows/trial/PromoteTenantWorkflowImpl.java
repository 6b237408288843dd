package com.taskifai.workflows.trial;

import static com.taskifai.workflows.ActivityPolicies.DATABASE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_CREATE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_UNDO;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY_UNDO;
import static com.taskifai.workflows.ActivityPolicies.STEP_RETRY;
import static com.taskifai.workflows.trial.PromotionStep.APPLY_RLS;
import static com.taskifai.workflows.trial.PromotionStep.CLAIM_PROMOTION;
import static com.taskifai.workflows.trial.PromotionStep.COPY_TRIAL_ROWS;
import static com.taskifai.workflows.trial.PromotionStep.CREATE_DATABASE;
import static com.taskifai.workflows.trial.PromotionStep.DELETE_TRIAL_ROWS;
import static com.taskifai.workflows.trial.PromotionStep.HOLD_TRIAL_WRITES;
import static com.taskifai.workflows.trial.PromotionStep.MIGRATE_SCHEMA;
import static com.taskifai.workflows.trial.PromotionStep.SWAP_TO_DEDICATED;
import static com.taskifai.workflows.trial.PromotionStep.VERIFY_TRIAL_COPY;

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
      step(
          CLAIM_PROMOTION,
          () -> trial.claimPromotion(request.tenantId(), op),
          () -> trialUndo.releasePromotion(request.tenantId(), op));
      step(
          CREATE_DATABASE,
          () -> databaseCreate.createDatabase(in),
          () -> databaseUndo.dropDatabase(in));
      step(MIGRATE_SCHEMA, () -> database.migrateSchema(in));
      step(APPLY_RLS, () -> database.applyRls(in));
      step(
          HOLD_TRIAL_WRITES,
          () -> trial.holdWrites(request.tenantId(), op),
          () -> trialDatabaseUndo.releaseWrites(request.tenantId(), op));
      step(COPY_TRIAL_ROWS, () -> copied = trialCopy.copyTrialRows(request.tenantId()));
      step(VERIFY_TRIAL_COPY, () -> trialDatabase.verifyTrialCopy(request.tenantId()));
      step(
          SWAP_TO_DEDICATED,
          () -> trial.swapToDedicated(request.tenantId(), op),
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
        saga.tryStep(
            DELETE_TRIAL_ROWS.stepName(), () -> trialDatabase.deleteTrialRows(request.tenantId()));
    cleanup.ifPresent(r -> reason = "promoted; its rows stay in the shared database: " + r);
    return progress();
  }

  private void step(PromotionStep step, Runnable effect) {
    saga.step(step.stepName(), effect);
  }

  private void step(PromotionStep step, Runnable effect, Runnable undo) {
    saga.step(step.stepName(), effect, step.undoName(), undo);
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
