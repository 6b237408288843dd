package com.taskifai.workflows.trial;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
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
  private volatile boolean online;
  private volatile String failing;

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
    if (info.getActivityType().equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure("injected", "INVALID_STATE");
    }
    switch (info.getActivityType()) {
      case "check_online_promotion":
        return new CopyMode(online, online ? null : "wal_level is replica");
      case "trial_catch_up":
        // Copying the tables first, then caught up.
        boolean second = calls.stream().filter("trial_catch_up"::equals).count() > 1;
        return new ReplicationLag(7, second ? 7 : 3, second ? 0 : 4096, 0.1, 12, second);
      case "await_trial_zero_lag":
        return new ReplicationLag(7, 7, 0, 0.0, 12, true);
      case "set_trial_sequences":
        return 6;
      case "verify_trial_replica":
        return Map.of("products", 2L);
      default:
        break;
    }
    if (info.getActivityType().equals("release_promotion")
        && failing == null
        && info.getAttempt() <= 10) {
      throw ApplicationFailure.newFailure("platform database unavailable", "UNAVAILABLE");
    }
    if (info.getActivityType().equals("copy_trial_rows")
        || info.getActivityType().equals("verify_trial_copy")) {
      return Map.of("products", 1L);
    }
    return null;
  }

  private PromoteTenantWorkflow stub(UUID tenant) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            PromoteTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(PromoteTenantWorkflow.workflowId(tenant))
                .build());
  }

  @Test
  void anOnlinePromotionReplicatesUntilCaughtUpAndHoldsWritesOnlyForTheChangeover() {
    online = true;
    UUID tenant = UUID.randomUUID();

    PromotionProgress result = stub(tenant).promote(new PromoteTenantRequest(tenant, "acme", "t"));

    assertThat(result.status()).as(result.toString()).isEqualTo("PROMOTED");
    assertThat(result.copyMode()).isEqualTo("online");
    assertThat(result.phase()).isEqualTo("done");
    assertThat(result.rowsCopied()).isEqualTo(Map.of("products", 2L));
    assertThat(result.steps())
        .extracting(s -> s.name())
        .containsExactlyElementsOf(PromoteTenantWorkflow.ONLINE_STEPS);
    assertThat(calls)
        .doesNotContain("copy_trial_rows", "verify_trial_copy")
        .containsSubsequence(
            "check_online_promotion",
            "start_trial_replication",
            "trial_catch_up",
            "trial_catch_up",
            "hold_trial_writes",
            "await_trial_zero_lag",
            "set_trial_sequences",
            "stop_trial_replication",
            "verify_trial_replica",
            "swap_to_dedicated",
            "release_promotion");
    RecordedHistories.record(
        env.getWorkflowClient(), PromoteTenantWorkflow.workflowId(tenant), "promote-online");
  }

  @Test
  void anOnlinePromotionThatFailsInTheHoldStopsTheReplicationAndLiftsTheHold() {
    online = true;
    failing = "await_trial_zero_lag";
    UUID tenant = UUID.randomUUID();

    PromotionProgress result = stub(tenant).promote(new PromoteTenantRequest(tenant, "acme", "t"));

    assertThat(result.status()).isEqualTo("FAILED");
    assertThat(result.failedStep()).isEqualTo("await_zero_lag");
    assertThat(calls)
        .containsSubsequence(
            "await_trial_zero_lag",
            "undo_hold_trial_writes",
            "stop_trial_replication",
            "undo_create_database",
            "release_promotion")
        .doesNotContain("swap_to_dedicated");
  }

  @Test
  void aServerThatCannotReplicateKeepsTheFreezeAndSaysWhy() {
    UUID tenant = UUID.randomUUID();

    PromotionProgress result = stub(tenant).promote(new PromoteTenantRequest(tenant, "acme", "t"));

    assertThat(result.copyMode()).isEqualTo("freeze");
    assertThat(result.copyModeReason()).contains("wal_level");
    assertThat(calls).contains("copy_trial_rows").doesNotContain("start_trial_replication");
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
