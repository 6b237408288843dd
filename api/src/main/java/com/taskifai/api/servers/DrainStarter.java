package com.taskifai.api.servers;

import com.taskifai.api.WorkflowQuery;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerDrains;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.DrainServerWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Starts draining a database server: sets it DRAINING (placement skips it from then on) and starts
 * its {@link DrainServerWorkflow} (id {@link WorkflowIds#drain}); a drain that runs already is left
 * running. The admin API and {@code ./taskifai servers drain} both go through here.
 */
public final class DrainStarter {
  private final DatabaseServers servers;
  private final ServerDrains drains;
  private final WorkflowClient client;

  public DrainStarter(DataSource platform, WorkflowClient client) {
    this.servers = new DatabaseServers(platform);
    this.drains = new ServerDrains(platform);
    this.client = client;
  }

  /** A drain started (or found running). */
  public record Started(String serverId, String workflowId, boolean alreadyRunning) {}

  /** A drain refused: {@code status} 404 for an unknown server, 409 for a CLOSED one. */
  public static final class Refused extends RuntimeException {
    private final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * Sets the server DRAINING and starts its drain.
   *
   * @param concurrency moves at a time
   * @param graceSeconds how long each moved tenant's old database is kept
   */
  public Started start(String serverId, int concurrency, long graceSeconds, String actor) {
    DatabaseServers.Server server =
        servers
            .find(serverId)
            .orElseThrow(() -> new Refused(404, "no database server has id " + serverId));
    if ("CLOSED".equals(server.state())) {
      throw new Refused(409, "database server " + serverId + " is CLOSED already");
    }
    if (concurrency < 1 || concurrency > 32) {
      throw new Refused(400, "concurrency must be between 1 and 32");
    }
    if (!drains.markDraining(serverId)) {
      throw new Refused(409, "database server " + serverId + " cannot be drained now");
    }
    String workflowId = WorkflowIds.drain(serverId);
    DrainServerWorkflow stub =
        client.newWorkflowStub(
            DrainServerWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setMemo(Map.of("server_id", serverId))
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(
          stub::drain,
          DrainServerWorkflow.DrainRequest.of(serverId, concurrency, graceSeconds, actor));
      return new Started(serverId, workflowId, false);
    } catch (WorkflowExecutionAlreadyStarted running) {
      return new Started(serverId, workflowId, true);
    }
  }

  /** The progress of the server's drain (a workflow query), empty when none can answer. */
  public Optional<DrainServerWorkflow.DrainProgress> progress(String serverId) {
    DrainServerWorkflow stub =
        client.newWorkflowStub(DrainServerWorkflow.class, WorkflowIds.drain(serverId));
    return WorkflowQuery.answer(stub::progress);
  }
}
