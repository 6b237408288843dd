package com.taskifai.api.costs;

import com.taskifai.api.scheduling.PeriodicWorkflow;
import com.taskifai.workflows.costs.CostSampleWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
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
 * Makes the cost sampling ({@link CostSampleWorkflow}) run every {@link
 * CostSettings#sampleInterval()}, by one mechanism chosen at start, as the reconciler does ({@link
 * PeriodicWorkflow}): a Temporal Schedule where the server has schedules, else the timer-loop
 * workflow (which samples at once, then waits and continues as new). The routers never sample.
 */
@Component
class CostSampling {
  private static final Logger log = LoggerFactory.getLogger(CostSampling.class);

  private final PeriodicWorkflow periodic;

  CostSampling(WorkflowClient client, CostSettings settings) {
    this.periodic =
        new PeriodicWorkflow(
            client,
            PeriodicWorkflow.Mechanism.valueOf(settings.mechanism().name()),
            new PeriodicWorkflow.Definition(
                "cost sampling",
                CostSampleWorkflow.SCHEDULE_ID,
                CostSampleWorkflow.class,
                CostSampleWorkflow.SampleRequest.once(),
                settings.sampleInterval(),
                () -> startLoop(client, settings)));
  }

  @EventListener(ApplicationReadyEvent.class)
  void onReady() {
    periodic.arrangeInBackground();
  }

  /** Arranges the periodic samplings; returns the mechanism used: schedule, timer or none. */
  String arrange() {
    return periodic.arrange();
  }

  String chosen() {
    return periodic.chosen();
  }

  private static void startLoop(WorkflowClient client, CostSettings settings) {
    CostSampleWorkflow loop =
        client.newWorkflowStub(
            CostSampleWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(CostSampleWorkflow.LOOP_WORKFLOW_ID)
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(
          loop::sample, new CostSampleWorkflow.SampleRequest(settings.sampleInterval(), 0));
    } catch (WorkflowExecutionAlreadyStarted running) {
      log.info("cost sampling loop {} runs already", CostSampleWorkflow.LOOP_WORKFLOW_ID);
    }
  }
}
