package com.taskifai.workflows.move;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.MoveActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;

/**
 * Reads the tenants on the server, moves a batch of them with at most {@code concurrency} child
 * moves at a time (target by placement, child id {@link WorkflowIds#move}, abandoned on close so a
 * child's grace period outlives the drain), waits until each reported its swap or failure, and
 * continues as new; once none is left, closes the server.
 */
public class DrainServerWorkflowImpl implements DrainServerWorkflow {
  private static final Logger log = Workflow.getLogger(DrainServerWorkflowImpl.class);
  private static final int KEPT_RESULTS = 100;

  private final MoveActivities activities =
      Workflow.newActivityStub(MoveActivities.class, ActivityPolicies.FLEET_SHORT);
  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, ActivityPolicies.FLEET_SHORT);

  private String serverId;
  private String state = "MOVING";
  private int round;
  private int moved;
  private int failed;
  private int remaining;
  private final Map<UUID, String> inFlight = new LinkedHashMap<>();
  private final List<TenantResult> results = new ArrayList<>();
  private boolean failedThisRun;

  @Override
  public String drain(DrainRequest request) {
    serverId = request.serverId();
    round = request.round();
    moved = request.moved();
    failed = request.failed();
    if (request.results() != null) {
      results.addAll(request.results());
    }
    int concurrency = Math.max(1, request.concurrency());
    if (round == 0 && moved == 0 && failed == 0) {
      audit(request, Outcome.STARTED);
    }
    List<UUID> tenants = activities.drainTenants(serverId);
    remaining = tenants.size();
    if (tenants.isEmpty()) {
      int left = activities.closeDrainedServer(serverId);
      if (left == 0) {
        state = "CLOSED";
        audit(request, Outcome.SUCCEEDED);
        return state;
      }
      if (Workflow.getVersion("drain-reports-trials", Workflow.DEFAULT_VERSION, 1) == 1) {
        List<UUID> trials = activities.drainTrials(serverId);
        if (!trials.isEmpty() && trials.size() >= left) {
          return trialsLeft(request, trials);
        }
      }
      // Tenants that cannot move now (provisioning, being deleted) are still placed here.
      remaining = left;
      state = "WAITING";
      return nextRound(request, Duration.ofMinutes(1));
    }
    state = "MOVING";
    for (UUID tenant : tenants.subList(0, Math.min(BATCH, tenants.size()))) {
      Workflow.await(() -> inFlight.size() < concurrency);
      String target;
      try {
        target = activities.placeTarget(tenant, serverId);
      } catch (ActivityFailure e) {
        record(new TenantResult(tenant, null, "FAILED", Saga.describe(e)));
        continue;
      }
      startMove(request, tenant, target);
    }
    Workflow.await(inFlight::isEmpty);
    if (failedThisRun) {
      return nextRound(request, Duration.ofSeconds(30));
    }
    Workflow.continueAsNew(carry(request, round));
    return state; // not reached
  }

  /**
   * Only trials are left: each is reported as needing an operator (promote it or offboard it) and
   * the drain ends NEEDS_ACTION with the server DRAINING; a drain started again closes it.
   */
  private String trialsLeft(DrainRequest request, List<UUID> trials) {
    for (UUID trial : trials) {
      results.add(
          new TenantResult(
              trial,
              null,
              NEEDS_ACTION,
              "a trial in the server's shared trial database does not move: promote it or offboard"
                  + " it, then drain again (the drain moves a promoted tenant's new database)"));
    }
    remaining = trials.size();
    state = NEEDS_ACTION;
    log.warn("drain of {}: {} trials need promoting or offboarding", serverId, trials.size());
    audit(request, Outcome.FAILED);
    return state;
  }

  private String nextRound(DrainRequest request, Duration pause) {
    if (round + 1 >= MAX_ROUNDS) {
      state = "INCOMPLETE";
      log.warn("drain of {}: {} tenants left after {} rounds", serverId, remaining, round + 1);
      audit(request, Outcome.FAILED);
      return state;
    }
    Workflow.sleep(pause);
    Workflow.continueAsNew(carry(request, round + 1));
    return state; // not reached
  }

  private DrainRequest carry(DrainRequest request, int nextRound) {
    List<TenantResult> kept =
        results.subList(Math.max(0, results.size() - KEPT_RESULTS), results.size());
    return new DrainRequest(
        serverId,
        request.concurrency(),
        request.graceSeconds(),
        request.actor(),
        nextRound,
        moved,
        failed,
        List.copyOf(kept));
  }

  private void startMove(DrainRequest request, UUID tenant, String target) {
    MoveTenantWorkflow child =
        Workflow.newChildWorkflowStub(
            MoveTenantWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.move(tenant, target))
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY)
                .build());
    inFlight.put(tenant, target);
    Promise<String> done =
        Async.function(
            child::move,
            new MoveTenantWorkflow.MoveRequest(
                tenant,
                target,
                request.graceSeconds(),
                request.actor(),
                Workflow.getInfo().getWorkflowId()));
    try {
      Workflow.getWorkflowExecution(child).get();
    } catch (RuntimeException e) {
      inFlight.remove(tenant);
      record(new TenantResult(tenant, target, "FAILED", "move not started: " + Saga.describe(e)));
      return;
    }
    done.handle(
        (value, failure) -> {
          if (failure != null && inFlight.remove(tenant) != null) {
            String outcome = MoveTenantWorkflowImpl.notMovable(failure) ? SKIPPED : "FAILED";
            record(new TenantResult(tenant, target, outcome, Saga.describe(failure)));
          }
          return null;
        });
  }

  @Override
  public void moveReported(TenantResult result) {
    if (inFlight.remove(result.tenantId()) != null) {
      record(result);
    }
  }

  private void record(TenantResult result) {
    if ("MOVED".equals(result.outcome())) {
      moved++;
    } else if (SKIPPED.equals(result.outcome())) {
      // Not listed again: drainTenants lists only tenants a move works from.
      log.info("drain of {}: tenant {} skipped: {}", serverId, result.tenantId(), result.error());
    } else {
      failed++;
      failedThisRun = true;
      log.warn("drain of {}: tenant {} not moved: {}", serverId, result.tenantId(), result.error());
    }
    results.add(result);
  }

  @Override
  public DrainProgress progress() {
    List<TenantResult> shown = new ArrayList<>();
    inFlight.forEach((t, target) -> shown.add(new TenantResult(t, target, "MOVING", null)));
    for (int i = results.size() - 1; i >= 0 && shown.size() < KEPT_RESULTS; i--) {
      shown.add(results.get(i));
    }
    return new DrainProgress(serverId, state, round, moved, failed, remaining, shown);
  }

  private void audit(DrainRequest request, Outcome outcome) {
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            null,
            request.actor() == null ? "system" : request.actor(),
            "drain_server",
            null,
            outcome,
            Map.of(
                "server_id",
                serverId,
                "moved",
                String.valueOf(moved),
                "failed",
                String.valueOf(failed))));
  }
}
