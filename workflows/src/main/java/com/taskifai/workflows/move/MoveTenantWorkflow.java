package com.taskifai.workflows.move;

import com.taskifai.workflows.StepName;
import com.taskifai.workflows.saga.StepProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.UUID;

/**
 * Moves a tenant's database to another database server: copy, verify, swap, and retire the old
 * database after a grace period. Online (logical replication, when both servers can) writes are
 * held only from the catch-up to the swap; otherwise (pg_dump) from the copy to the swap. Any
 * failure before the swap leaves the tenant where it was with nothing left on the target. The id is
 * {@link com.taskifai.workflows.WorkflowIds#move}.
 */
@WorkflowInterface
public interface MoveTenantWorkflow {

  /** The steps in order (public names: progress, audit, fault injection). */
  List<String> STEPS = StepName.names(MoveStep.class);

  /**
   * The request. {@code graceSeconds} is how long the old database is kept after the swap; {@code
   * drainWorkflowId}, when set, is the drain that is told how the move went.
   */
  record MoveRequest(
      UUID tenantId,
      String targetServerId,
      long graceSeconds,
      String actor,
      String drainWorkflowId) {}

  /**
   * Where a move is: the step, the servers, the outcome so far, and every step's state. {@code
   * copyMode} is {@code online} (logical replication) or {@code dump} ({@code copyModeReason} says
   * why not online), null until known and for moves started before online moves; {@code phase},
   * {@code lagBytes}, {@code lagSeconds} and {@code rowsCopied} follow an online copy (null
   * otherwise).
   */
  record MoveProgress(
      String step,
      String sourceServerId,
      String targetServerId,
      String database,
      String outcome,
      String error,
      List<StepProgress> steps,
      String copyMode,
      String copyModeReason,
      String phase,
      Long lagBytes,
      Double lagSeconds,
      Long rowsCopied,
      String replicationError) {}

  /**
   * @return {@code MOVED} once the old database is dropped
   */
  @WorkflowMethod
  String move(MoveRequest request);

  @QueryMethod
  MoveProgress progress();

  /** Cuts the grace period short: the old database is dropped now. */
  @SignalMethod
  void retireNow();
}
