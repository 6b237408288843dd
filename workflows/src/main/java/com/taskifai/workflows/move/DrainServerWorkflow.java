package com.taskifai.workflows.move;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.UUID;

/**
 * Moves every tenant off a DRAINING database server, a bounded number at a time, each by a child
 * {@link MoveTenantWorkflow} to a server placement picks, and sets the server CLOSED once no live
 * tenant is left on it. The registry is the list of work: every run (and every continue-as-new)
 * reads the tenants still on the server, so a restarted drain never moves a tenant twice. The id is
 * {@link com.taskifai.workflows.WorkflowIds#drain}.
 */
@WorkflowInterface
public interface DrainServerWorkflow {

  /**
   * Rounds (batches with a failure, or waits for tenants that cannot move yet) before giving up.
   */
  int MAX_ROUNDS = 5;

  /** Tenants per run; the drain continues as new after each batch. */
  int BATCH = 50;

  /**
   * The drain; {@code round}, {@code moved}, {@code failed} and {@code results} carry over runs.
   */
  record DrainRequest(
      String serverId,
      int concurrency,
      long graceSeconds,
      String actor,
      int round,
      int moved,
      int failed,
      List<TenantResult> results) {

    /** A new drain. */
    public static DrainRequest of(
        String serverId, int concurrency, long graceSeconds, String actor) {
      return new DrainRequest(serverId, concurrency, graceSeconds, actor, 0, 0, 0, List.of());
    }
  }

  /** The state and a trial's outcome when only trials are left on the server. */
  String NEEDS_ACTION = "NEEDS_ACTION";

  /**
   * A tenant the drain listed that was no longer movable when its move began (offboarded, being
   * deleted): its move refused it before changing anything, and the drain neither counts it failed
   * nor tries it again.
   */
  String SKIPPED = "SKIPPED";

  /**
   * How one tenant's move went: MOVING, MOVED or FAILED (with why); SKIPPED (with why) for a tenant
   * no longer movable; NEEDS_ACTION for a trial, which does not move (with what to do).
   */
  record TenantResult(UUID tenantId, String targetServerId, String outcome, String error) {}

  /**
   * Where the drain is: MOVING, WAITING (for tenants that cannot move yet), CLOSED, INCOMPLETE or
   * NEEDS_ACTION (only trials are left: promote or offboard each, then drain again); counts, the
   * tenants still on the server at the last look, and the latest results (moves in flight first).
   */
  record DrainProgress(
      String serverId,
      String state,
      int round,
      int moved,
      int failed,
      int remaining,
      List<TenantResult> results) {}

  /**
   * @return {@code CLOSED}; {@code NEEDS_ACTION} when only trials are left on the server (the
   *     server stays DRAINING; promote or offboard each, then drain again); or {@code INCOMPLETE}
   *     when tenants are still on the server after {@link #MAX_ROUNDS} rounds (the server stays
   *     DRAINING; start the drain again)
   */
  @WorkflowMethod
  String drain(DrainRequest request);

  @QueryMethod
  DrainProgress progress();

  /** A child move reports its swap (MOVED) or its failure. */
  @SignalMethod
  void moveReported(TenantResult result);
}
