package com.taskifai.api.temporal;

import com.taskifai.api.ApiSettings;
import com.taskifai.registry.Tenant;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.DrainServerWorkflow;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The moves and drains API's workflows: move a tenant, its progress, cancel it, retire its old
 * database now; drain a server and its progress. Every call runs under {@link TemporalCalls}'
 * deadline. Built by Spring for the API and by the operator's command line for {@code ./taskifai
 * servers drain}.
 */
@Component
public class MoveWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;
  private final boolean searchAttributes;

  public MoveWorkflows(TemporalCalls calls, boolean searchAttributes) {
    this.calls = calls;
    this.client = calls.client();
    this.searchAttributes = searchAttributes;
  }

  @Autowired
  MoveWorkflows(TemporalCalls calls, ApiSettings settings) {
    this(calls, settings.searchAttributes());
  }

  /**
   * Starts the move of the tenant to {@code request.targetServerId()}; {@link
   * WorkflowAlreadyRunning} when such a move runs already. Returns the workflow id.
   */
  public String startMove(Tenant t, MoveTenantWorkflow.MoveRequest request) {
    String id = WorkflowIds.move(t.tenantId(), request.targetServerId());
    MoveTenantWorkflow stub =
        client.newWorkflowStub(
            MoveTenantWorkflow.class,
            TenantWorkflows.tenantOptions(t, id, searchAttributes)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::move, request));
    return id;
  }

  /** A move's progress; empty when the workflow is gone or does not answer in time. */
  public Optional<MoveTenantWorkflow.MoveProgress> moveProgress(String workflowId) {
    MoveTenantWorkflow stub = client.newWorkflowStub(MoveTenantWorkflow.class, workflowId);
    return calls.query(workflowId, stub::progress);
  }

  /** Tells a finished move to drop its old database now; {@link WorkflowNotFound} if none runs. */
  public void retireNow(String workflowId) {
    calls.run(
        "the retire-now signal to " + workflowId,
        () -> client.newWorkflowStub(MoveTenantWorkflow.class, workflowId).retireNow());
  }

  /**
   * Asks a running move to stop: Temporal cancels the workflow, whose rollback drops what the move
   * made and releases the tenant; {@link WorkflowNotFound} if none runs.
   */
  public void cancelMove(String workflowId) {
    calls.run(
        "the cancellation of " + workflowId,
        () -> client.newUntypedWorkflowStub(workflowId).cancel());
  }

  /**
   * Starts the drain of a server; {@link WorkflowAlreadyRunning} when one runs already. Returns the
   * workflow id.
   */
  public String startDrain(DrainServerWorkflow.DrainRequest request) {
    String id = WorkflowIds.drain(request.serverId());
    DrainServerWorkflow stub =
        client.newWorkflowStub(
            DrainServerWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(TaskQueues.PLATFORM)
                .setMemo(Map.of("server_id", request.serverId()))
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::drain, request));
    return id;
  }

  /** The progress of the server's drain; empty when none answers in time. */
  public Optional<DrainServerWorkflow.DrainProgress> drainProgress(String serverId) {
    String id = WorkflowIds.drain(serverId);
    DrainServerWorkflow stub = client.newWorkflowStub(DrainServerWorkflow.class, id);
    return calls.query(id, stub::progress);
  }
}
