package com.taskifai.api.costs;

import com.taskifai.api.scheduling.PeriodicComponent;
import com.taskifai.api.scheduling.PeriodicWorkflow;
import com.taskifai.workflows.costs.CostSampleWorkflow;
import io.temporal.client.WorkflowClient;
import org.springframework.stereotype.Component;

/**
 * Makes the cost sampling ({@link CostSampleWorkflow}) run every {@link
 * CostSettings#sampleInterval()}, by one mechanism chosen at start, as the reconciler does ({@link
 * PeriodicWorkflow}): a Temporal Schedule where the server has schedules, else the timer-loop
 * workflow (which samples at once, then waits and continues as new). The routers never sample.
 */
@Component
class CostSampling extends PeriodicComponent {
  CostSampling(WorkflowClient client, CostSettings settings) {
    super(
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

  private static void startLoop(WorkflowClient client, CostSettings settings) {
    PeriodicWorkflow.startLoop(
        client,
        CostSampleWorkflow.class,
        CostSampleWorkflow.LOOP_WORKFLOW_ID,
        "cost sampling",
        loop ->
            WorkflowClient.start(
                loop::sample, new CostSampleWorkflow.SampleRequest(settings.sampleInterval(), 0)));
  }
}
