package com.taskifai.workflows.costs;

import com.taskifai.workflows.ActivityPolicies;
import com.taskifai.workflows.ports.CostActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/** One sampling per run, then (for the loop) a durable timer and continue-as-new. */
public class CostSampleWorkflowImpl implements CostSampleWorkflow {
  private static final Logger log = Workflow.getLogger(CostSampleWorkflowImpl.class);

  private final CostActivities costs =
      Workflow.newActivityStub(
          CostActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(10))
              .setRetryOptions(ActivityPolicies.STEP_RETRY)
              .build());

  @Override
  public void sample(SampleRequest request) {
    try {
      CostActivities.SampleSummary summary = costs.sampleDatabaseSizes();
      if (summary.skipped() > 0) {
        log.warn(
            "cost sampling: {} tenant databases sampled, {} skipped (server not answering)",
            summary.sampled(),
            summary.skipped());
      }
    } catch (ActivityFailure e) {
      // A missed sample leaves a gap of one interval; the loop goes on.
      log.warn("cost sampling failed: {}", e.getMessage());
    }
    Duration interval = request.interval();
    if (interval == null || interval.isZero() || interval.isNegative() || request.runs() == 1) {
      return;
    }
    Workflow.sleep(interval);
    Workflow.continueAsNew(new SampleRequest(interval, Math.max(0, request.runs() - 1)));
  }
}
