package com.taskifai.api.reconcile;

import com.taskifai.api.scheduling.PeriodicComponent;
import com.taskifai.api.scheduling.PeriodicWorkflow;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.reconcile.ReconcileRequest;
import io.temporal.client.WorkflowClient;
import org.springframework.stereotype.Component;

/**
 * Makes the reconciler run every {@link ReconcileSettings#interval()}, by one mechanism chosen at
 * start ({@link PeriodicWorkflow}): a Temporal Schedule ({@link
 * ReconcileFleetWorkflow#SCHEDULE_ID}) on a server that has schedules, else (the SDK's in-process
 * test server has none) the timer-loop workflow {@link ReconcileFleetWorkflow#LOOP_WORKFLOW_ID},
 * which waits, reconciles and continues as new. Either one exists at most once; a second API start
 * finds it and leaves it.
 */
@Component
class ReconcileScheduling extends PeriodicComponent {
  static final String ACTOR = "platform:schedule";

  ReconcileScheduling(WorkflowClient client, ReconcileSettings settings) {
    super(
        client,
        PeriodicWorkflow.Mechanism.valueOf(settings.mechanism().name()),
        new PeriodicWorkflow.Definition(
            "fleet reconciler",
            ReconcileFleetWorkflow.SCHEDULE_ID,
            ReconcileFleetWorkflow.class,
            new ReconcileRequest(ACTOR, null),
            settings.interval(),
            () -> startLoop(client, settings)));
  }

  private static void startLoop(WorkflowClient client, ReconcileSettings settings) {
    PeriodicWorkflow.startLoop(
        client,
        ReconcileFleetWorkflow.class,
        ReconcileFleetWorkflow.LOOP_WORKFLOW_ID,
        "reconcile",
        loop ->
            WorkflowClient.start(
                loop::reconcile, new ReconcileRequest(ACTOR, settings.interval())));
  }
}
