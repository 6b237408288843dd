package com.taskifai.api.temporal;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.migration.EnableExtensionWorkflow;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.MigrationRequest;
import com.taskifai.workflows.migration.TenantExtensionInput;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * The schema API's workflows: fleet rollouts (start, pause, resume, abort, whether one still runs)
 * and enabling a tenant's schema extension. Every call runs under {@link TemporalCalls}' deadline.
 */
@Component
public class SchemaWorkflows {
  private final TemporalCalls calls;
  private final WorkflowClient client;

  SchemaWorkflows(TemporalCalls calls) {
    this.calls = calls;
    this.client = calls.client();
  }

  /** Starts a rollout; {@link WorkflowAlreadyRunning} when it runs already. Returns its id. */
  public String startRollout(MigrationRequest request) {
    String id = WorkflowIds.fleetMigrate(request.migrationId());
    MigrateFleetWorkflow stub = client.newWorkflowStub(MigrateFleetWorkflow.class, options(id));
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::migrate, request));
    return id;
  }

  /** Sends a rollout a signal; {@link WorkflowNotFound} when its workflow does not run. */
  public void signalRollout(String migrationId, String what, Consumer<MigrateFleetWorkflow> send) {
    String id = WorkflowIds.fleetMigrate(migrationId);
    calls.run(
        "the " + what + " signal to " + id,
        () -> send.accept(client.newWorkflowStub(MigrateFleetWorkflow.class, id)));
  }

  /** Whether the rollout's workflow still runs (false when Temporal does not know it). */
  public boolean rolloutRunning(String migrationId) {
    String id = WorkflowIds.fleetMigrate(migrationId);
    try {
      WorkflowExecutionStatus status =
          calls.call(
              "the description of " + id,
              () -> client.newUntypedWorkflowStub(id).describe().getStatus());
      return status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (WorkflowNotFound e) {
      return false;
    }
  }

  /**
   * Starts enabling the extension for the tenant; {@link WorkflowAlreadyRunning} when that runs
   * already. Returns the workflow id.
   */
  public String startExtension(TenantExtensionInput input) {
    String id = WorkflowIds.enableExtension(input.tenantId(), input.name());
    EnableExtensionWorkflow stub =
        client.newWorkflowStub(EnableExtensionWorkflow.class, options(id));
    calls.call("the start of " + id, () -> WorkflowClient.start(stub::enable, input));
    return id;
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.PLATFORM).setWorkflowId(id).build();
  }
}
