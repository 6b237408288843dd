package com.taskifai.workflows.trial;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The promotion after its swap, with its activities replaced: the release of the write hold is
 * retried until it is done and never rolls the swap back, since writes reach the new database as
 * soon as one attempt commits.
 */
class PromoteTenantWorkflowTest {
  private TestWorkflowEnvironment env;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(PromoteTenantWorkflowImpl.class);
    worker.registerActivitiesImplementations((io.temporal.activity.DynamicActivity) this::activity);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** Every activity recorded; the release fails its first ten attempts (the step retries' all). */
  private Object activity(EncodedValues args) {
    ActivityInfo info = Activity.getExecutionContext().getInfo();
    calls.add(info.getActivityType());
    if (info.getActivityType().equals("release_promotion") && info.getAttempt() <= 10) {
      throw ApplicationFailure.newFailure("platform database unavailable", "UNAVAILABLE");
    }
    if (info.getActivityType().equals("copy_trial_rows")
        || info.getActivityType().equals("verify_trial_copy")) {
      return Map.of("products", 1L);
    }
    return null;
  }

  @Test
  void aReleaseThatFailsAfterTheSwapIsRetriedAndNeverRollsThePromotionBack() {
    UUID tenant = UUID.randomUUID();
    PromoteTenantWorkflow flow =
        env.getWorkflowClient()
            .newWorkflowStub(
                PromoteTenantWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                    .setWorkflowId(PromoteTenantWorkflow.workflowId(tenant))
                    .build());

    PromotionProgress result = flow.promote(new PromoteTenantRequest(tenant, "acme", "test"));

    assertThat(result.status()).isEqualTo("PROMOTED");
    assertThat(calls.stream().filter("release_promotion"::equals)).hasSize(11);
    assertThat(calls)
        .doesNotContain("undo_swap_to_dedicated", "undo_hold_trial_writes", "undo_create_database")
        .endsWith("delete_trial_rows");
    RecordedHistories.record(
        env.getWorkflowClient(),
        PromoteTenantWorkflow.workflowId(tenant),
        "promote-release-retried");
  }
}
