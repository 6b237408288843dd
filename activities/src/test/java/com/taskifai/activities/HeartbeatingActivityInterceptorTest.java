package com.taskifai.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Beats for a long activity with a heartbeat timeout, on a real (in-memory) Temporal worker. */
class HeartbeatingActivityInterceptorTest {
  private static final String QUEUE = "heartbeat-test";

  @ActivityInterface
  public interface SlowActivity {
    String work();
  }

  public static class SlowActivityImpl implements SlowActivity {
    @Override
    public String work() {
      try {
        // Three heartbeat timeouts without a beat of its own.
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "done";
    }
  }

  @WorkflowInterface
  public interface SlowWorkflow {
    @WorkflowMethod
    String run();
  }

  public static class SlowWorkflowImpl implements SlowWorkflow {
    private final SlowActivity activity =
        Workflow.newActivityStub(
            SlowActivity.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setHeartbeatTimeout(Duration.ofSeconds(1))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    @Override
    public String run() {
      return activity.work();
    }
  }

  private static String runWith(WorkerInterceptor... interceptors) {
    try (TestWorkflowEnvironment temporal =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder().setWorkerInterceptors(interceptors).build())
                .build())) {
      Worker worker = temporal.newWorker(QUEUE);
      worker.registerWorkflowImplementationTypes(SlowWorkflowImpl.class);
      worker.registerActivitiesImplementations(new SlowActivityImpl());
      temporal.start();
      return temporal
          .getWorkflowClient()
          .newWorkflowStub(
              SlowWorkflow.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).build())
          .run();
    }
  }

  @Test
  void aLongActivityOutlivesItsHeartbeatTimeoutWhileTheInterceptorBeats() {
    try (HeartbeatingActivityInterceptor heartbeats = new HeartbeatingActivityInterceptor()) {
      assertThat(runWith(heartbeats)).isEqualTo("done");
    }
  }

  @Test
  void withoutBeatsTheSameActivityTimesOut() {
    assertThatThrownBy(HeartbeatingActivityInterceptorTest::runWith)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOf(TimeoutFailure.class);
  }
}
