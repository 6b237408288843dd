package com.taskifai.workflows.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.MoveActivities.CopyManifest;
import com.taskifai.workflows.ports.MoveActivities.MoveSource;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.activity.DynamicActivity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
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
 * The move saga with its activities replaced: a failure before the swap undoes the write hold and
 * the target database in reverse order and leaves the tenant where it was; a move that swaps
 * retires the source after the grace period.
 */
class MoveTenantWorkflowTest {
  private static final UUID TENANT = UUID.fromString("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
  private static final String WORKFLOW_ID = WorkflowIds.move(TENANT, "pg-2");

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String failing;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(MoveTenantWorkflowImpl.class);
    worker.registerActivitiesImplementations((DynamicActivity) this::activity);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** Every activity, recorded by type (audit rows left out); one step may fail for good. */
  private Object activity(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    if (!type.equals("record_audit")) {
      calls.add(type);
    }
    if (type.equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure(type + " refused", "INVALID_STATE");
    }
    return switch (type) {
      case "check_move" -> new MoveSource("pg-1", "tenant_x");
      case "copy_database" -> new CopyManifest("5", Map.of("tasks", 3L));
      default -> null;
    };
  }

  private MoveTenantWorkflow move() {
    return client.newWorkflowStub(
        MoveTenantWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .setWorkflowId(WORKFLOW_ID)
            .build());
  }

  private MoveTenantWorkflow running() {
    return client.newWorkflowStub(MoveTenantWorkflow.class, WORKFLOW_ID);
  }

  private static MoveTenantWorkflow.MoveRequest request() {
    return new MoveTenantWorkflow.MoveRequest(TENANT, "pg-2", 3600, "ops@taskifai.test", null);
  }

  @Test
  void aCopyThatFailsVerificationUndoesTheHoldAndTheTargetAndReleasesTheTenant() {
    failing = "verify_copy";
    MoveTenantWorkflow flow = move();

    assertThatThrownBy(() -> flow.move(request())).isInstanceOf(WorkflowFailedException.class);

    assertThat(calls)
        .containsExactly(
            "claim_operation",
            "check_move",
            "prepare_move_target",
            "hold_writes",
            "copy_database",
            "verify_copy",
            "undo_hold_writes",
            "undo_prepare_move_target",
            "release_operation");
    MoveTenantWorkflow.MoveProgress progress = running().progress();
    assertThat(progress.outcome()).isEqualTo("FAILED");
    assertThat(progress.step()).isEqualTo("verify_copy");
    assertThat(progress.error()).contains("verify_copy refused");
    RecordedHistories.record(client, WORKFLOW_ID, "move-failed-verify");
  }

  @Test
  void aSwappedMoveReleasesTheTenantAndRetiresTheSourceAfterTheGracePeriod() {
    assertThat(move().move(request())).isEqualTo("MOVED");

    assertThat(calls)
        .containsExactly(
            "claim_operation",
            "check_move",
            "prepare_move_target",
            "hold_writes",
            "copy_database",
            "verify_copy",
            "swap_server",
            "release_operation",
            "retire_source");
    assertThat(running().progress().steps())
        .extracting(s -> s.name())
        .containsExactlyElementsOf(MoveTenantWorkflow.STEPS);
    RecordedHistories.record(client, WORKFLOW_ID, "move-retired");
  }
}
