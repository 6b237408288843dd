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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real drain with the real move as its child, activities replaced: a tenant offboarded after
 * the drain listed it is refused by its move's check_move (NOT_MOVABLE, nothing changed) and the
 * drain reports it SKIPPED, neither failed nor tried again in a later round.
 */
class DrainSkipsUnmovableTenantTest {
  private static final UUID KEPT = UUID.fromString("00000000-0000-0000-0000-000000000021");
  private static final UUID OFFBOARDED = UUID.fromString("00000000-0000-0000-0000-000000000022");

  private final Map<UUID, String> placement = new ConcurrentHashMap<>();
  private final Set<UUID> deleted = ConcurrentHashMap.newKeySet();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        DrainServerWorkflowImpl.class, MoveTenantWorkflowImpl.class);
    worker.registerActivitiesImplementations((DynamicActivity) this::activity);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** The registry: the offboarding of {@link #OFFBOARDED} lands just after the drain's list. */
  private Object activity(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    return switch (type) {
      case "list_drain_tenants" -> {
        List<UUID> listed =
            placement.entrySet().stream()
                .filter(e -> e.getValue().equals("a") && !deleted.contains(e.getKey()))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        deleted.add(OFFBOARDED);
        yield listed;
      }
      case "place_move_target" -> "b";
      case "close_drained_server" ->
          (int)
              placement.entrySet().stream()
                  .filter(e -> e.getValue().equals("a") && !deleted.contains(e.getKey()))
                  .count();
      case "check_move" -> {
        UUID tenant = args.get(0, UUID.class);
        calls.add("check_move " + tenant);
        if (deleted.contains(tenant)) {
          throw ApplicationFailure.newNonRetryableFailure(
              "tenant " + tenant + " is DELETED; a move needs it ACTIVE or SUSPENDED",
              "NOT_MOVABLE");
        }
        yield new MoveSource("a", "tenant_db");
      }
      // These servers cannot replicate: the moves copy with pg_dump.
      case "check_online_move" ->
          new com.taskifai.workflows.ports.MoveActivities.CopyMode(false, "wal_level is replica");
      case "copy_database" -> new CopyManifest("5", Map.of("tasks", 3L));
      case "swap_server" -> {
        calls.add("swap_server");
        placement.put(KEPT, "b");
        yield null;
      }
      case "prepare_move_target" -> {
        calls.add("prepare_move_target");
        yield null;
      }
      default -> null;
    };
  }

  @Test
  void aTenantOffboardedAfterTheDrainListedItIsSkippedNotFailedAndTheServerCloses() {
    placement.put(KEPT, "a");
    placement.put(OFFBOARDED, "a");
    DrainServerWorkflow drain =
        client.newWorkflowStub(
            DrainServerWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(WorkflowIds.drain("a"))
                .build());

    String result = drain.drain(DrainServerWorkflow.DrainRequest.of("a", 2, 0, "test"));

    assertThat(result).isEqualTo("CLOSED");
    DrainServerWorkflow.DrainProgress progress =
        client.newWorkflowStub(DrainServerWorkflow.class, WorkflowIds.drain("a")).progress();
    assertThat(progress.moved()).isEqualTo(1);
    assertThat(progress.failed()).as("a skipped tenant is no failed move").isZero();
    assertThat(progress.round()).as("no extra round for a skipped tenant").isZero();
    assertThat(progress.results())
        .filteredOn(r -> r.tenantId().equals(OFFBOARDED))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.outcome()).isEqualTo("SKIPPED");
              assertThat(r.error()).contains("is DELETED");
            });
    // The refusal came before anything changed, and was not retried.
    assertThat(calls).filteredOn(c -> c.equals("check_move " + OFFBOARDED)).hasSize(1);
    assertThat(calls).filteredOn("prepare_move_target"::equals).hasSize(1);
    String move = WorkflowIds.move(OFFBOARDED, "b");
    assertThatThrownBy(() -> client.newUntypedWorkflowStub(move).getResult(String.class))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause()
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(f -> assertThat(((ApplicationFailure) f).getType()).isEqualTo("NOT_MOVABLE"));
    RecordedHistories.record(client, move, "move-refused-not-movable");
  }
}
