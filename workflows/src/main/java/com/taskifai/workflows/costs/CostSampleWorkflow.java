package com.taskifai.workflows.costs;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * Samples every tenant database's size for the cost report. On a server with Temporal Schedules a
 * schedule ({@link #SCHEDULE_ID}) starts one sampling per interval; where there are none (the SDK's
 * in-process test server) the timer loop {@link #LOOP_WORKFLOW_ID} samples, sleeps for the interval
 * and continues as new, so its history stays small.
 */
@WorkflowInterface
public interface CostSampleWorkflow {

  /** The Temporal Schedule that starts the sampling on a real server. */
  String SCHEDULE_ID = WorkflowIds.COST_SAMPLE_SCHEDULE;

  /** The timer loop where the server has no schedules. */
  String LOOP_WORKFLOW_ID = WorkflowIds.COST_SAMPLE_LOOP;

  /**
   * @param interval time between samplings; null or zero for one sampling (what a schedule starts)
   * @param runs how many samplings the loop takes before ending (0: for ever)
   */
  record SampleRequest(Duration interval, int runs) {
    public static SampleRequest once() {
      return new SampleRequest(null, 1);
    }
  }

  @WorkflowMethod
  void sample(SampleRequest request);
}
