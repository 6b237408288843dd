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

import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.move.MoveTenantWorkflowImpl;
import com.taskifai.workflows.move.OnlineMoveStep;
import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TrialActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The promotion saga. Before the swap every step has an undo or is undone by dropping the new
 * database, so a failure leaves the trial as it was (rows in the shared database, routing
 * unchanged, no dedicated database, no replication left).
 *
 * <p>Where the trial's server can ({@code check_online_promotion}, behind {@link
 * #ONLINE_PROMOTION}), the rows are copied online: start_replication (undo: stop it), catch_up
 * while the trial writes, then the hold, await_zero_lag, set_sequences, stop_replication and
 * verify_trial_copy (counts and key checksums of the trial's rows), the swap and the release.
 * Elsewhere the trial's writes are held for the whole copy, as before. From the swap on the tenant
 * lives in its own database; the deletion of its shared rows is retried and never rolls the
 * promotion back.
 */
public class PromoteTenantWorkflowImpl implements PromoteTenantWorkflow {
  /** The change id of online promotions: version 1 asks check_online_promotion. */
  static final String ONLINE_PROMOTION = "online-promotion";

  /** How long the catch-up may take before the promotion gives up (and rolls back). */
  private static final Duration CATCH_UP_LIMIT = Duration.ofHours(24);

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
  // trial_catch_up reports back every few seconds and heartbeats every poll: a worker that dies
  // during the catch-up is noticed in 10 s.
  private final TrialActivities trialCatchUp =
      Workflow.newActivityStub(
          TrialActivities.class,
          ActivityOptions.newBuilder(DATABASE)
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setHeartbeatTimeout(Duration.ofSeconds(10))
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
  private boolean online;
  private String copyMode;
  private String copyModeReason;
  private String phase;
  private ReplicationLag lag;

  @Override
  public PromotionProgress promote(PromoteTenantRequest request) {
    this.request = request;
    String op = PromoteTenantWorkflow.workflowId(request.tenantId());
    StepInput in = StepInput.of(request.tenantId(), request.subdomain());
    try {
      step(
          CLAIM_PROMOTION,
          () -> {
            trial.claimPromotion(request.tenantId(), op);
            if (Workflow.getVersion(ONLINE_PROMOTION, Workflow.DEFAULT_VERSION, 1) >= 1) {
              CopyMode mode = trialDatabase.checkOnlinePromotion(request.tenantId());
              online = mode != null && mode.online();
              copyMode = online ? "online" : "freeze";
              copyModeReason = mode == null ? null : mode.reason();
              if (online) {
                saga.plan(ONLINE_STEPS);
              }
            }
          },
          () -> trialUndo.releasePromotion(request.tenantId(), op));
      step(
          CREATE_DATABASE,
          () -> databaseCreate.createDatabase(in),
          () -> databaseUndo.dropDatabase(in));
      step(MIGRATE_SCHEMA, () -> database.migrateSchema(in));
      step(APPLY_RLS, () -> database.applyRls(in));
      if (online) {
        copyOnline(op);
      } else {
        step(
            HOLD_TRIAL_WRITES,
            () -> trial.holdWrites(request.tenantId(), op),
            () -> trialDatabaseUndo.releaseWrites(request.tenantId(), op));
        step(COPY_TRIAL_ROWS, () -> copied = trialCopy.copyTrialRows(request.tenantId()));
        step(VERIFY_TRIAL_COPY, () -> trialDatabase.verifyTrialCopy(request.tenantId()));
      }
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

  /**
   * The row copy with logical replication: the trial's rows stream into the new database while it
   * writes; then the short hold in which the copy is made exact, the replication removed and the
   * copy checked.
   */
  private void copyOnline(String op) {
    UUID tenant = request.tenantId();
    phase = "initial_copy";
    saga.step(
        OnlineMoveStep.START_REPLICATION.stepName(),
        () -> trialDatabase.startTrialReplication(tenant),
        OnlineMoveStep.START_REPLICATION.undoName(),
        () -> trialDatabaseUndo.stopTrialReplication(tenant));
    saga.step(
        OnlineMoveStep.CATCH_UP.stepName(),
        () -> {
          long deadline = Workflow.currentTimeMillis() + CATCH_UP_LIMIT.toMillis();
          Long failingSince = null;
          do {
            if (Workflow.currentTimeMillis() > deadline) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "the new database did not catch up within "
                      + CATCH_UP_LIMIT.toHours()
                      + " h: "
                      + lag,
                  FailureType.UNAVAILABLE.name());
            }
            lag = trialCatchUp.trialCatchUp(tenant);
            if (lag.error() == null) {
              failingSince = null;
              phase = lag.tablesSynced() < lag.tables() ? "initial_copy" : "streaming";
              continue;
            }
            // As a move's: a subscription that keeps failing ends the promotion (rolled back).
            phase = "replication_failing";
            long now = Workflow.currentTimeMillis();
            failingSince = failingSince == null ? now : failingSince;
            if (now - failingSince >= MoveTenantWorkflowImpl.REPLICATION_FAILING_LIMIT.toMillis()) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "the replication kept failing for "
                      + MoveTenantWorkflowImpl.REPLICATION_FAILING_LIMIT.toSeconds()
                      + " s: "
                      + lag.error(),
                  FailureType.INVALID_STATE.name());
            }
          } while (!lag.caughtUp());
        });
    phase = "holding_writes";
    step(
        HOLD_TRIAL_WRITES,
        () -> trial.holdWrites(tenant, op),
        () -> trialDatabaseUndo.releaseWrites(tenant, op));
    saga.step(
        OnlineMoveStep.AWAIT_ZERO_LAG.stepName(),
        () -> lag = trialDatabase.awaitTrialZeroLag(tenant));
    saga.step(
        OnlineMoveStep.SET_SEQUENCES.stepName(), () -> trialDatabase.setTrialSequences(tenant));
    phase = "stopping";
    saga.step(
        OnlineMoveStep.STOP_REPLICATION.stepName(),
        () -> trialDatabase.stopTrialReplication(tenant));
    step(VERIFY_TRIAL_COPY, () -> copied = trialDatabase.verifyTrialReplica(tenant));
    phase = "done";
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
        reason,
        copyMode,
        copyModeReason,
        phase,
        lag == null ? null : lag.lagBytes());
  }
}
