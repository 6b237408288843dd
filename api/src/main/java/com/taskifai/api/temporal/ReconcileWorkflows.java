package com.taskifai.api.temporal;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.RemovalOutcome;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.reconcile.ReconcileRequest;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;

/**
 * The reconcile API's workflows: a reconciliation on demand and the removal of one orphan. Every
 * start runs under {@link TemporalCalls}' deadline; waiting for a removal's outcome is bounded by
 * its own timeout.
 */
@Component
public class ReconcileWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;

  ReconcileWorkflows(TemporalCalls calls) {
    this.calls = calls;
    this.client = calls.client();
  }

  /** Starts a reconciliation an admin asked for; returns its workflow id. */
  public String startReconcile(String actor) {
    String id = WorkflowIds.reconcileOnDemand(UUID.randomUUID().toString());
    ReconcileFleetWorkflow stub =
        client.newWorkflowStub(
            ReconcileFleetWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.PLATFORM)
                .build());
    calls.call(
        "the start of " + id,
        () -> WorkflowClient.start(stub::reconcile, new ReconcileRequest(actor, null)));
    return id;
  }

  /**
   * Starts the removal of one orphan; {@link WorkflowAlreadyRunning} when one of it runs already.
   * Returns the workflow id.
   */
  public String startOrphanRemoval(OrphanRemoval removal) {
    String id = WorkflowIds.removeOrphan(removal.kind(), removal.name());
    WorkflowStub stub =
        client.newUntypedWorkflowStub(
            "RemoveOrphanWorkflow",
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.PLATFORM)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    calls.call("the start of " + id, () -> stub.start(removal));
    return id;
  }

  /**
   * The outcome of a removal, waited for up to {@code timeout}; empty when it has not finished by
   * then. A removal that failed throws.
   */
  public Optional<RemovalOutcome> awaitOrphanRemoval(String workflowId, Duration timeout) {
    try {
      return Optional.of(
          client
              .newUntypedWorkflowStub(workflowId)
              .getResult(timeout.toMillis(), TimeUnit.MILLISECONDS, RemovalOutcome.class));
    } catch (TimeoutException e) {
      return Optional.empty();
    }
  }
}
