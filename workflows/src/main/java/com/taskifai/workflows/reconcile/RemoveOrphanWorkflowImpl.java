package com.taskifai.workflows.reconcile;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.ports.FleetActivities;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.RemovalOutcome;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** Runs remove_orphan once (with the compensation retries: a few quick attempts). */
public class RemoveOrphanWorkflowImpl implements RemoveOrphanWorkflow {

  // Dropping a database waits for its sessions to end; Route 53 waits for INSYNC.
  private final FleetActivities fleet =
      Workflow.newActivityStub(
          FleetActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setRetryOptions(ActivityPolicies.UNDO_RETRY)
              .build());

  @Override
  public RemovalOutcome remove(OrphanRemoval removal) {
    return fleet.removeOrphan(removal);
  }
}
