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
import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.MoveInput;
import com.taskifai.workflows.ports.MoveActivities.MoveSource;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
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
 *
 * <p>When both servers can ({@code check_online_move}, behind {@link #ONLINE_MOVES}), the copy is
 * online: copy_schema, start_replication (undo: stop it), catch_up while the tenant writes, then
 * the hold, await_zero_lag, set_sequences and verify_copy (against the source, now still), the
 * swap, release_operation and stop_replication before the grace period.
 */
public class MoveTenantWorkflowImpl implements MoveTenantWorkflow {
  private static final Logger log = Workflow.getLogger(MoveTenantWorkflowImpl.class);

  /** The change id of online moves: version 1 asks check_online_move and may copy online. */
  static final String ONLINE_MOVES = "online-moves";

  /**
   * The change id of a swap that commits the move: version 1 runs swap_server out of the reach of a
   * cancel (a cancel that came before it still rolls back) and everything after it too.
   */
  static final String SWAP_COMMITS = "swap-commits";

  /**
   * How long the target's subscription may keep failing (every catch_up call since reporting an
   * error) before the move gives up and rolls back: a conflict on the target does not heal itself.
   */
  public static final Duration REPLICATION_FAILING_LIMIT = Duration.ofSeconds(30);

  /** How long the catch-up may take before the move gives up (and rolls back). */
  private static final Duration CATCH_UP_LIMIT = Duration.ofHours(24);

  private final MoveActivities short_ =
      Workflow.newActivityStub(MoveActivities.class, ActivityPolicies.FLEET_SHORT);
  private final MoveActivities long_ =
      Workflow.newActivityStub(MoveActivities.class, ActivityPolicies.FLEET_LONG);
  // catch_up reports back every few seconds and heartbeats every poll: a worker that dies during
  // the catch-up is noticed in 10 s, not in FLEET_LONG's 30 s.
  private final MoveActivities catchUp =
      Workflow.newActivityStub(
          MoveActivities.class,
          ActivityOptions.newBuilder(ActivityPolicies.FLEET_LONG)
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setHeartbeatTimeout(Duration.ofSeconds(10))
              .build());
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
  private boolean online;
  private String copyMode;
  private String copyModeReason;
  private String phase;
  private ReplicationLag lag;
  private boolean swapCommits;

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
      MoveInput[] in = new MoveInput[1];
      run(
          MoveStep.CHECK_MOVE,
          () -> {
            MoveSource s = short_.checkMove(request.tenantId(), target);
            source = s.serverId();
            database = s.database();
            in[0] = new MoveInput(request.tenantId(), source, target, database, operationId);
            if (Workflow.getVersion(ONLINE_MOVES, Workflow.DEFAULT_VERSION, 1) >= 1) {
              CopyMode mode = short_.checkOnlineMove(in[0]);
              online = mode.online();
              copyMode = online ? "online" : "dump";
              copyModeReason = mode.reason();
              if (online) {
                saga.plan(OnlineMoveStep.ONLINE_STEPS);
              }
            }
          });
      input = in[0];
      run(
          MoveStep.PREPARE_MOVE_TARGET,
          () -> short_.prepareTarget(input),
          () -> short_.dropTarget(input));
      if (online) {
        copyOnline(input);
      } else {
        run(
            MoveStep.HOLD_WRITES,
            () -> short_.holdWrites(input),
            () -> short_.releaseWrites(input));
        CopyManifest[] manifest = new CopyManifest[1];
        run(MoveStep.COPY_DATABASE, () -> manifest[0] = long_.copyDatabase(input));
        run(MoveStep.VERIFY_COPY, () -> long_.verifyCopy(input, manifest[0]));
      }
      swapCommits = Workflow.getVersion(SWAP_COMMITS, Workflow.DEFAULT_VERSION, 1) >= 1;
      if (swapCommits) {
        run(
            MoveStep.SWAP_SERVER,
            () -> {
              // A cancel that came before the swap rolls the move back. Once the swap is asked
              // for, it runs to its answer: cancelled half-way, the workflow could not know
              // whether the registry names the target, and its undos would treat a moved tenant
              // as unmoved.
              if (CancellationScope.current().isCancelRequested()) {
                throw new CanceledFailure("move cancelled before the swap");
              }
              Workflow.newDetachedCancellationScope(() -> short_.swapServer(input)).run();
            });
      } else {
        run(MoveStep.SWAP_SERVER, () -> short_.swapServer(input));
      }
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
    if (!swapCommits) {
      return afterSwap(request, operationId, input);
    }
    // The tenant is on the target: a cancel from here on undoes nothing and stops nothing. The
    // claim is released, the replication stopped and the source retired after its grace as in a
    // move nobody cancelled (a move back is a new move).
    String[] result = new String[1];
    Workflow.newDetachedCancellationScope(() -> result[0] = afterSwap(request, operationId, input))
        .run();
    if (CancellationScope.current().isCancelRequested()) {
      log.warn(
          "tenant {}: the move was cancelled after its swap; it finished instead",
          request.tenantId());
    }
    return result[0];
  }

  /** release_operation, stop_replication, the reports, the grace period and retire_source. */
  private String afterSwap(MoveRequest request, String operationId, MoveInput input) {
    run(
        MoveStep.RELEASE_OPERATION,
        () -> operations.releaseOperation(request.tenantId(), operationId));
    outcome = "SWAPPED";
    if (online) {
      phase = "stopping";
      run(OnlineMoveStep.STOP_REPLICATION, () -> short_.stopReplication(input));
      phase = "done";
    }
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

  /**
   * The copy with logical replication: the schema, the replication, the catch-up while the tenant
   * writes, and the short hold in which the target is made exact and checked.
   */
  private void copyOnline(MoveInput input) {
    phase = "copying_schema";
    run(OnlineMoveStep.COPY_SCHEMA, () -> long_.copySchema(input));
    run(
        OnlineMoveStep.START_REPLICATION,
        () -> short_.startReplication(input),
        OnlineMoveStep.START_REPLICATION.undoName(),
        () -> short_.stopReplication(input));
    run(
        OnlineMoveStep.CATCH_UP,
        () -> {
          long deadline = Workflow.currentTimeMillis() + CATCH_UP_LIMIT.toMillis();
          Long failingSince = null;
          do {
            if (Workflow.currentTimeMillis() > deadline) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "the target did not catch up within " + CATCH_UP_LIMIT.toHours() + " h: " + lag,
                  FailureType.UNAVAILABLE.name());
            }
            lag = catchUp.catchUp(input);
            if (lag.error() == null) {
              failingSince = null;
              phase = lag.tablesSynced() < lag.tables() ? "initial_copy" : "streaming";
              continue;
            }
            phase = "replication_failing";
            long now = Workflow.currentTimeMillis();
            failingSince = failingSince == null ? now : failingSince;
            if (now - failingSince >= REPLICATION_FAILING_LIMIT.toMillis()) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "the replication kept failing for "
                      + REPLICATION_FAILING_LIMIT.toSeconds()
                      + " s: "
                      + lag.error(),
                  FailureType.INVALID_STATE.name());
            }
          } while (!lag.caughtUp());
        });
    phase = "holding_writes";
    run(MoveStep.HOLD_WRITES, () -> short_.holdWrites(input), () -> short_.releaseWrites(input));
    run(OnlineMoveStep.AWAIT_ZERO_LAG, () -> lag = short_.awaitZeroLag(input));
    run(OnlineMoveStep.SET_SEQUENCES, () -> short_.setSequences(input));
    run(MoveStep.VERIFY_COPY, () -> long_.verifyReplica(input));
  }

  private void run(StepName next, Runnable effect) {
    step = next.stepName();
    saga.step(step, effect);
  }

  private void run(MoveStep next, Runnable effect, Runnable undo) {
    run(next, effect, next.undoName(), undo);
  }

  private void run(StepName next, Runnable effect, String undoName, Runnable undo) {
    step = next.stepName();
    saga.step(step, effect, undoName, undo);
  }

  @Override
  public MoveProgress progress() {
    return new MoveProgress(
        step,
        source,
        target,
        database,
        outcome,
        error,
        saga.progress(),
        copyMode,
        copyModeReason,
        phase,
        lag == null ? null : lag.lagBytes(),
        lag == null ? null : lag.lagSeconds(),
        lag == null ? null : lag.rowsCopied(),
        lag == null ? null : lag.error());
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
