package com.taskifai.workflows.costs;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.ports.CostActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sampling loop on the time-skipping test server: one sampling per interval, continued as new
 * each time, and a failed sampling does not end the loop.
 */
class CostSampleWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final Sampler sampler = new Sampler();

  static final class Sampler implements CostActivities {
    final AtomicInteger calls = new AtomicInteger();
    final List<Long> at = new CopyOnWriteArrayList<>();
    volatile TestWorkflowEnvironment env;

    @Override
    public SampleSummary sampleDatabaseSizes() {
      at.add(env.currentTimeMillis());
      if (calls.incrementAndGet() == 2) {
        throw ApplicationFailure.newNonRetryableFailure("server down", "UNAVAILABLE");
      }
      return new SampleSummary(3, 0);
    }
  }

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    sampler.env = env;
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(CostSampleWorkflowImpl.class);
    worker.registerActivitiesImplementations(sampler);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private CostSampleWorkflow stub() {
    return client.newWorkflowStub(
        CostSampleWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(CostSampleWorkflow.LOOP_WORKFLOW_ID)
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .build());
  }

  @Test
  void samplesOncePerIntervalAndGoesOnAfterAFailedSampling() {
    stub().sample(new CostSampleWorkflow.SampleRequest(Duration.ofHours(1), 4));
    assertThat(sampler.calls.get()).isEqualTo(4);
    for (int i = 1; i < sampler.at.size(); i++) {
      assertThat(sampler.at.get(i) - sampler.at.get(i - 1))
          .isGreaterThanOrEqualTo(Duration.ofHours(1).toMillis());
    }
  }

  @Test
  void aScheduledRunSamplesOnceAndEnds() {
    stub().sample(CostSampleWorkflow.SampleRequest.once());
    assertThat(sampler.calls.get()).isEqualTo(1);
    RecordedHistories.record(client, CostSampleWorkflow.LOOP_WORKFLOW_ID, "cost-sample-once");
  }
}
