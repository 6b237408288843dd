package com.taskifai.workflows.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.MoveActivities.CopyManifest;
import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.MoveSource;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.activity.DynamicActivity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
  private volatile boolean online;
  private final AtomicInteger catchUps = new AtomicInteger();
  private volatile String blocking;
  private final CountDownLatch blocked = new CountDownLatch(1);
  private final CountDownLatch unblock = new CountDownLatch(1);

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
    if (type.equals(blocking)) {
      blocked.countDown();
      try {
        unblock.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (type.equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure(type + " refused", "INVALID_STATE");
    }
    return switch (type) {
      case "check_move" -> new MoveSource("pg-1", "tenant_x");
      case "check_online_move" ->
          online ? new CopyMode(true, null) : new CopyMode(false, "wal_level is replica");
      case "catch_up" ->
          new ReplicationLag(
              2, catchUps.incrementAndGet() > 1 ? 2 : 1, 10, 0.5, 40, catchUps.get() > 1);
      case "await_zero_lag" -> new ReplicationLag(2, 2, 0, 0.1, 42, true);
      case "set_sequences" -> 1;
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
            "check_online_move",
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
    RecordedHistories.record(client, WORKFLOW_ID, "move-dump-failed-verify");
  }

  @Test
  void aSwappedMoveReleasesTheTenantAndRetiresTheSourceAfterTheGracePeriod() {
    assertThat(move().move(request())).isEqualTo("MOVED");

    assertThat(calls)
        .containsExactly(
            "claim_operation",
            "check_move",
            "check_online_move",
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
    assertThat(running().progress().copyMode()).isEqualTo("dump");
    assertThat(running().progress().copyModeReason()).contains("wal_level");
    RecordedHistories.record(client, WORKFLOW_ID, "move-dump-retired");
  }

  @Test
  void anOnlineMoveCatchesUpBeforeItHoldsWritesAndStopsTheReplicationAfterTheSwap() {
    online = true;
    assertThat(move().move(request())).isEqualTo("MOVED");

    assertThat(calls)
        .containsExactly(
            "claim_operation",
            "check_move",
            "check_online_move",
            "prepare_move_target",
            "copy_schema",
            "start_replication",
            "catch_up",
            "catch_up",
            "hold_writes",
            "await_zero_lag",
            "set_sequences",
            "verify_replica",
            "swap_server",
            "release_operation",
            "stop_replication",
            "retire_source");
    MoveTenantWorkflow.MoveProgress progress = running().progress();
    assertThat(progress.steps())
        .extracting(s -> s.name())
        .containsExactlyElementsOf(OnlineMoveStep.ONLINE_STEPS);
    assertThat(progress.steps()).allSatisfy(s -> assertThat(s.state().name()).isEqualTo("DONE"));
    assertThat(progress.copyMode()).isEqualTo("online");
    assertThat(progress.phase()).isEqualTo("done");
    assertThat(progress.lagBytes()).isZero();
    assertThat(progress.rowsCopied()).isEqualTo(42);
    RecordedHistories.record(client, WORKFLOW_ID, "move-online-retired");
  }

  @Test
  void anOnlineMoveThatFailsVerificationStopsTheReplicationAndDropsTheTarget() {
    online = true;
    failing = "verify_replica";

    assertThatThrownBy(() -> move().move(request())).isInstanceOf(WorkflowFailedException.class);

    assertThat(calls)
        .endsWith(
            "verify_replica",
            "undo_hold_writes",
            "stop_replication",
            "undo_prepare_move_target",
            "release_operation");
    MoveTenantWorkflow.MoveProgress progress = running().progress();
    assertThat(progress.outcome()).isEqualTo("FAILED");
    assertThat(progress.step()).isEqualTo("verify_copy");
    assertThat(progress.steps())
        .filteredOn(s -> s.name().equals("start_replication"))
        .extracting(s -> s.state().name())
        .containsExactly("COMPENSATED");
    RecordedHistories.record(client, WORKFLOW_ID, "move-online-failed-verify");
  }

  /**
   * A cancel that arrives while swap_server runs: the swap finishes (its activity is not asked to
   * stop), nothing is undone, and the move goes on to release the tenant, stop the replication and
   * retire the source, as a move nobody cancelled (its progress says MOVED; Temporal still closes
   * the run as cancelled).
   */
  @Test
  void aCancelDuringTheSwapLetsTheSwapFinishAndTheMoveCompletesWithoutUndos() throws Exception {
    online = true;
    blocking = "swap_server";
    MoveTenantWorkflow flow = move();
    WorkflowClient.start(flow::move, request());
    assertThat(blocked.await(30, TimeUnit.SECONDS)).as("swap_server started").isTrue();

    client.newUntypedWorkflowStub(WORKFLOW_ID).cancel();
    unblock.countDown();

    // Temporal closes a workflow that was asked to cancel as CANCELED whatever it returns; the
    // move itself went to its end.
    assertThatThrownBy(() -> client.newUntypedWorkflowStub(WORKFLOW_ID).getResult(String.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertThat(calls)
        .endsWith("swap_server", "release_operation", "stop_replication", "retire_source")
        .noneMatch(call -> call.startsWith("undo_"));
    MoveTenantWorkflow.MoveProgress progress = running().progress();
    assertThat(progress.outcome()).isEqualTo("MOVED");
    assertThat(progress.error()).isNull();
    assertThat(progress.steps()).allSatisfy(s -> assertThat(s.state().name()).isEqualTo("DONE"));
    RecordedHistories.record(client, WORKFLOW_ID, "move-online-cancelled-during-swap");
  }

  /**
   * A cancel that arrives after the swap, while release_operation runs: the claim is released all
   * the same, the replication stopped and the source retired; nothing is undone.
   */
  @Test
  void aCancelAfterTheSwapStillReleasesTheTenantStopsTheReplicationAndRetires() throws Exception {
    online = true;
    blocking = "release_operation";
    MoveTenantWorkflow flow = move();
    WorkflowClient.start(flow::move, request());
    assertThat(blocked.await(30, TimeUnit.SECONDS)).as("release_operation started").isTrue();

    client.newUntypedWorkflowStub(WORKFLOW_ID).cancel();
    unblock.countDown();

    assertThatThrownBy(() -> client.newUntypedWorkflowStub(WORKFLOW_ID).getResult(String.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertThat(calls)
        .endsWith("swap_server", "release_operation", "stop_replication", "retire_source")
        .noneMatch(call -> call.startsWith("undo_"));
    assertThat(running().progress().phase()).isEqualTo("done");
    assertThat(running().progress().outcome()).isEqualTo("MOVED");
  }
}
