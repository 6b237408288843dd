package com.taskifai.api.servers;

import com.taskifai.api.temporal.MoveWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerDrains;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.DrainServerWorkflow;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Starts draining a database server: sets it DRAINING (placement skips it from then on) and starts
 * its {@link DrainServerWorkflow} (id {@link WorkflowIds#drain}); a drain that runs already is left
 * running. The admin API and {@code ./taskifai servers drain} both go through here.
 */
@Component
public final class DrainStarter {
  private final DatabaseServers servers;
  private final ServerDrains drains;
  private final MoveWorkflows workflows;

  public DrainStarter(DatabaseServers servers, ServerDrains drains, MoveWorkflows workflows) {
    this.servers = servers;
    this.drains = drains;
    this.workflows = workflows;
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
    // A start that fails (Temporal down) leaves the server DRAINING without a drain; the same
    // request again starts it.
    String workflowId = WorkflowIds.drain(serverId);
    try {
      workflows.startDrain(
          DrainServerWorkflow.DrainRequest.of(serverId, concurrency, graceSeconds, actor));
      return new Started(serverId, workflowId, false);
    } catch (WorkflowAlreadyRunning running) {
      return new Started(serverId, workflowId, true);
    }
  }

  /** The progress of the server's drain (a workflow query), empty when none can answer. */
  public Optional<DrainServerWorkflow.DrainProgress> progress(String serverId) {
    return workflows.drainProgress(serverId);
  }
}
