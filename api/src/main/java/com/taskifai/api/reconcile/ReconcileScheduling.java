package com.taskifai.api.reconcile;

import com.taskifai.api.scheduling.PeriodicWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.reconcile.ReconcileRequest;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
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
class ReconcileScheduling {
  private static final Logger log = LoggerFactory.getLogger(ReconcileScheduling.class);
  static final String ACTOR = "platform:schedule";

  private final PeriodicWorkflow periodic;

  ReconcileScheduling(WorkflowClient client, ReconcileSettings settings) {
    this.periodic =
        new PeriodicWorkflow(
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

  @EventListener(ApplicationReadyEvent.class)
  void onReady() {
    periodic.arrangeInBackground();
  }

  /** Arranges the periodic runs; returns the mechanism used: schedule, timer or none. */
  String arrange() {
    return periodic.arrange();
  }

  /** The mechanism chosen at start: schedule, timer or none. */
  String chosen() {
    return periodic.chosen();
  }

  private static void startLoop(WorkflowClient client, ReconcileSettings settings) {
    ReconcileFleetWorkflow loop =
        client.newWorkflowStub(
            ReconcileFleetWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID)
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(loop::reconcile, new ReconcileRequest(ACTOR, settings.interval()));
    } catch (WorkflowExecutionAlreadyStarted running) {
      log.info("reconcile loop {} runs already", ReconcileFleetWorkflow.LOOP_WORKFLOW_ID);
    }
  }
}
