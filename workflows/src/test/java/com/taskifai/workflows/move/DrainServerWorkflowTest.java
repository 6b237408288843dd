package com.taskifai.workflows.move;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.RecordingActivities;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.ports.MoveActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The drain's bookkeeping on Temporal's test environment, with the moves played by a stand-in
 * child: a tenant whose move fails is tried again in a later round (after continue-as-new) while a
 * moved one is never moved twice, the server closes once empty, and a tenant that can never move
 * ends the drain INCOMPLETE with the server left DRAINING.
 */
class DrainServerWorkflowTest {
  private static final Map<UUID, String> PLACEMENT = new ConcurrentHashMap<>();
  private static final List<UUID> MOVES = Collections.synchronizedList(new ArrayList<>());
  private static final Map<UUID, Integer> FAILURES_LEFT = new ConcurrentHashMap<>();
  private static final Map<UUID, String> TRIALS = new ConcurrentHashMap<>();
  private static volatile boolean closed;

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  /** Stands in for the real move: one activity that moves the tenant, then the report. */
  public static class StandInMove implements MoveTenantWorkflow {
    private final MoveActivities activities =
        Workflow.newActivityStub(
            MoveActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    @Override
    public String move(MoveRequest request) {
      MoveActivities.MoveInput in =
          new MoveActivities.MoveInput(
              request.tenantId(), "a", request.targetServerId(), "db", "op");
      try {
        activities.swapServer(in);
      } catch (RuntimeException e) {
        Workflow.newExternalWorkflowStub(DrainServerWorkflow.class, request.drainWorkflowId())
            .moveReported(
                new DrainServerWorkflow.TenantResult(
                    request.tenantId(), request.targetServerId(), "FAILED", "copy failed"));
        throw e;
      }
      Workflow.newExternalWorkflowStub(DrainServerWorkflow.class, request.drainWorkflowId())
          .moveReported(
              new DrainServerWorkflow.TenantResult(
                  request.tenantId(), request.targetServerId(), "MOVED", null));
      Workflow.sleep(Duration.ofHours(24)); // the grace period outlives the drain
      return "MOVED";
    }

    @Override
    public MoveProgress progress() {
      return null;
    }

    @Override
    public void retireNow() {}
  }

  /** The registry as the drain sees it: which tenant is on which server. */
  public static class Registry implements MoveActivities {
    @Override
    public MoveSource checkMove(UUID tenantId, String targetServerId) {
      return null;
    }

    @Override
    public void prepareTarget(MoveInput input) {}

    @Override
    public void dropTarget(MoveInput input) {}

    @Override
    public void holdWrites(MoveInput input) {}

    @Override
    public void releaseWrites(MoveInput input) {}

    @Override
    public CopyManifest copyDatabase(MoveInput input) {
      return null;
    }

    @Override
    public void verifyCopy(MoveInput input, CopyManifest manifest) {}

    @Override
    public void swapServer(MoveInput input) {
      MOVES.add(input.tenantId());
      if (FAILURES_LEFT.merge(input.tenantId(), -1, Integer::sum) >= 0) {
        throw ApplicationFailure.newNonRetryableFailure("copy failed", "INVALID_STATE");
      }
      PLACEMENT.put(input.tenantId(), input.targetServerId());
    }

    @Override
    public void retireSource(MoveInput input) {}

    @Override
    public CopyMode checkOnlineMove(MoveInput input) {
      return new CopyMode(false, "not in this test");
    }

    @Override
    public void copySchema(MoveInput input) {}

    @Override
    public void startReplication(MoveInput input) {}

    @Override
    public ReplicationLag catchUp(MoveInput input) {
      return null;
    }

    @Override
    public ReplicationLag awaitZeroLag(MoveInput input) {
      return null;
    }

    @Override
    public int setSequences(MoveInput input) {
      return 0;
    }

    @Override
    public void verifyReplica(MoveInput input) {}

    @Override
    public void stopReplication(MoveInput input) {}

    @Override
    public String placeTarget(UUID tenantId, String sourceServerId) {
      if (FAILURES_LEFT.getOrDefault(tenantId, 0) > 100) {
        throw ApplicationFailure.newNonRetryableFailure(
            "no OPEN database server in region local has room", "INVALID_STATE");
      }
      return "b";
    }

    @Override
    public List<UUID> drainTenants(String serverId) {
      return PLACEMENT.entrySet().stream()
          .filter(e -> e.getValue().equals(serverId))
          .map(Map.Entry::getKey)
          .sorted()
          .toList();
    }

    @Override
    public List<UUID> drainTrials(String serverId) {
      return TRIALS.entrySet().stream()
          .filter(e -> e.getValue().equals(serverId))
          .map(Map.Entry::getKey)
          .sorted()
          .toList();
    }

    @Override
    public int closeDrainedServer(String serverId) {
      int left = drainTenants(serverId).size() + drainTrials(serverId).size();
      closed = left == 0;
      return left;
    }
  }

  @BeforeEach
  void start() {
    PLACEMENT.clear();
    TRIALS.clear();
    MOVES.clear();
    FAILURES_LEFT.clear();
    closed = false;
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(DrainServerWorkflowImpl.class, StandInMove.class);
    worker.registerActivitiesImplementations(new Registry(), new RecordingActivities());
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private DrainServerWorkflow drain() {
    return client.newWorkflowStub(
        DrainServerWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .setWorkflowId(WorkflowIds.drain("a"))
            .build());
  }

  @Test
  void aFailedMoveIsTriedAgainInALaterRoundAndNoTenantMovesTwice() {
    UUID one = UUID.fromString("00000000-0000-0000-0000-000000000001");
    UUID two = UUID.fromString("00000000-0000-0000-0000-000000000002");
    UUID three = UUID.fromString("00000000-0000-0000-0000-000000000003");
    for (UUID t : List.of(one, two, three)) {
      PLACEMENT.put(t, "a");
    }
    FAILURES_LEFT.put(two, 1);

    DrainServerWorkflow drain = drain();
    String result = drain.drain(DrainServerWorkflow.DrainRequest.of("a", 2, 60, "test"));

    assertThat(result).isEqualTo("CLOSED");
    assertThat(closed).isTrue();
    assertThat(PLACEMENT).containsValues("b").doesNotContainValue("a");
    // Every tenant moved once; the one that failed was tried exactly once more.
    assertThat(MOVES).filteredOn(one::equals).hasSize(1);
    assertThat(MOVES).filteredOn(three::equals).hasSize(1);
    assertThat(MOVES).filteredOn(two::equals).hasSize(2);
  }

  @Test
  void aTenantThatCannotMoveEndsTheDrainIncompleteAndTheServerStaysOpenForRetry() {
    UUID stuck = UUID.fromString("00000000-0000-0000-0000-000000000009");
    PLACEMENT.put(stuck, "a");
    FAILURES_LEFT.put(stuck, 1000);

    String result = drain().drain(DrainServerWorkflow.DrainRequest.of("a", 2, 60, "test"));

    assertThat(result).isEqualTo("INCOMPLETE");
    assertThat(closed).isFalse();
    assertThat(PLACEMENT.get(stuck)).isEqualTo("a");
    assertThat(MOVES).isEmpty();
  }

  @Test
  void aDrainMovesNoTrialReportsEachAsNeedingActionAndEndsWithTheServerDraining() {
    UUID dedicated = UUID.fromString("00000000-0000-0000-0000-000000000011");
    UUID trialA = UUID.fromString("00000000-0000-0000-0000-000000000012");
    UUID trialC = UUID.fromString("00000000-0000-0000-0000-000000000013");
    UUID elsewhere = UUID.fromString("00000000-0000-0000-0000-000000000014");
    PLACEMENT.put(dedicated, "a");
    TRIALS.put(trialA, "a");
    TRIALS.put(trialC, "a");
    TRIALS.put(elsewhere, "b");

    DrainServerWorkflow drain = drain();
    String result = drain.drain(DrainServerWorkflow.DrainRequest.of("a", 2, 60, "test"));

    assertThat(result).isEqualTo(DrainServerWorkflow.NEEDS_ACTION);
    assertThat(closed).isFalse();
    assertThat(PLACEMENT.get(dedicated)).isEqualTo("b");
    assertThat(MOVES).containsExactly(dedicated);
    DrainServerWorkflow.DrainProgress progress =
        client.newWorkflowStub(DrainServerWorkflow.class, WorkflowIds.drain("a")).progress();
    assertThat(progress.state()).isEqualTo(DrainServerWorkflow.NEEDS_ACTION);
    assertThat(progress.remaining()).isEqualTo(2);
    assertThat(progress.results())
        .filteredOn(r -> DrainServerWorkflow.NEEDS_ACTION.equals(r.outcome()))
        .extracting(DrainServerWorkflow.TenantResult::tenantId)
        .containsExactlyInAnyOrder(trialA, trialC);
    assertThat(progress.results())
        .filteredOn(r -> DrainServerWorkflow.NEEDS_ACTION.equals(r.outcome()))
        .allSatisfy(r -> assertThat(r.error()).contains("promote it or offboard it"));
    RecordedHistories.record(client, WorkflowIds.drain("a"), "drain-reports-trials");
  }

  @Test
  void moveStepsAreNamedInWorkflowIdsAndFaultInjection() {
    UUID tenant = UUID.fromString("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
    assertThat(WorkflowIds.move(tenant, "pg-2")).isEqualTo("tenant-move-" + tenant + "-pg-2");
    assertThat(WorkflowIds.kindOf(WorkflowIds.move(tenant, "pg-2")))
        .contains(WorkflowIds.Kind.MOVE);
    assertThat(WorkflowIds.kindOf(WorkflowIds.drain("pg-2"))).contains(WorkflowIds.Kind.DRAIN);
    assertThat(FaultInjection.Fault.parse("copy_database:after"))
        .contains(new FaultInjection.Fault("copy_database", true));
    assertThat(FaultInjection.Fault.parse("swap_server")).isPresent();
    assertThat(FaultInjection.Fault.parse("no_such_step")).isEmpty();
  }
}
