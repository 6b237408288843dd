package com.taskifai.api.testing;

import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.MigrationProgress;
import com.taskifai.workflows.migration.MigrationRequest;
import io.temporal.workflow.Workflow;

/**
 * A test double of the fleet rollout: it migrates nothing, answers the signals (the query shows
 * them) and ends ABORTED on abort.
 */
public class MigrateFleetWorkflowDouble implements MigrateFleetWorkflow {
  private MigrationRequest request;
  private String state = "RUNNING";
  private String reason;

  @Override
  public MigrationProgress migrate(MigrationRequest request) {
    this.request = request;
    Workflow.await(() -> state.equals("ABORTED"));
    return progress();
  }

  @Override
  public void pause(String why) {
    state = "PAUSED";
    reason = why;
  }

  @Override
  public void resume() {
    state = "RUNNING";
    reason = null;
  }

  @Override
  public void abort(String why) {
    state = "ABORTED";
    reason = why;
  }

  @Override
  public MigrationProgress progress() {
    return new MigrationProgress(
        request == null ? null : request.migrationId(),
        request == null ? null : request.targetVersion(),
        "FLEET",
        state,
        reason
            + (request == null
                ? ""
                : " [canaries="
                    + request.canaryTenants()
                    + " count="
                    + request.canaryCount()
                    + " concurrency="
                    + request.concurrency()
                    + "/"
                    + request.perServerConcurrency()
                    + " ratio="
                    + request.maxFailureRatio()
                    + "]"),
        0,
        0,
        0,
        0);
  }
}
