package com.taskifai.workflows.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restore's fence steps with its activities replaced: a swap that fails lifts the fence it may
 * have set before the new database is dropped, and a copy is sealed once verified. (The histories
 * the shipped workflow recorded before the fence steps replay in RecordedHistoriesReplayTest.)
 */
class RestoreTenantWorkflowTest {
  private TestWorkflowEnvironment env;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String failing;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(RestoreTenantWorkflowImpl.class);
    worker.registerActivitiesImplementations((io.temporal.activity.DynamicActivity) this::activity);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** Every activity: recorded by type; prepare_restore names the databases, one step may fail. */
  private Object activity(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    calls.add(type);
    if (type.equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure(type + " refused", "INVALID_STATE");
    }
    if (type.equals("prepare_restore")) {
      return new RestoreTarget("tenant_x_rr1", "tenant_x");
    }
    return null;
  }

  private RestoreTenantWorkflow restore() {
    return env.getWorkflowClient()
        .newWorkflowStub(
            RestoreTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId("restore-test-" + UUID.randomUUID())
                .build());
  }

  private static RestoreTenantWorkflow.RestoreRequest request(String mode) {
    return new RestoreTenantWorkflow.RestoreRequest(
        UUID.randomUUID(), UUID.randomUUID(), "rr1", mode, 0, "test");
  }

  @Test
  void aSwapThatFailsLiftsItsFenceBeforeTheNewDatabaseIsDropped() {
    failing = "swap_database";
    RestoreTenantWorkflow flow = restore();

    assertThatThrownBy(() -> flow.restore(request("replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .containsExactly(
            "claim_operation",
            "prepare_restore",
            "restore_database",
            "verify_restore",
            "swap_database",
            "undo_swap_database",
            "drop_retired_database",
            "release_operation");
    RecordedHistories.record(
        env.getWorkflowClient(),
        WorkflowStub.fromTyped(flow).getExecution().getWorkflowId(),
        "restore-failed-swap");
  }

  @Test
  void aFailureBeforeTheSwapHasNoFenceToLift() {
    failing = "verify_restore";
    RestoreTenantWorkflow flow = restore();

    assertThatThrownBy(() -> flow.restore(request("replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(calls).doesNotContain("swap_database", "undo_swap_database");
    assertThat(calls).contains("drop_retired_database", "release_operation");
  }

  @Test
  void aCopyIsSealedOnceVerifiedAndNeverSwapped() {
    RestoreTenantWorkflow flow = restore();

    assertThat(flow.restore(request("copy"))).isEqualTo("COPIED");

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .containsExactly(
            "claim_operation",
            "prepare_restore",
            "restore_database",
            "verify_restore",
            "seal_restored_copy",
            "release_operation",
            "drop_retired_database");
    RecordedHistories.record(
        env.getWorkflowClient(),
        WorkflowStub.fromTyped(flow).getExecution().getWorkflowId(),
        "restore-copy");
  }
}
