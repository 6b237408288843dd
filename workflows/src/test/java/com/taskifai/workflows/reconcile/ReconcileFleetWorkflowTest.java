package com.taskifai.workflows.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.ports.FleetActivities;
import com.taskifai.workflows.ports.FleetScan;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.ReconcileReport;
import com.taskifai.workflows.ports.RemovalOutcome;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReconcileFleetWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private final Fleet fleet = new Fleet();

  /** Activities that report one orphan database and one stalled tenant, and record reports. */
  static final class Fleet implements FleetActivities {
    final List<ReconcileReport> reports = new CopyOnWriteArrayList<>();
    final AtomicInteger scans = new AtomicInteger();
    volatile boolean failScans;

    @Override
    public FleetScan scanFleet() {
      scans.incrementAndGet();
      if (failScans) {
        throw ApplicationFailure.newNonRetryableFailure("server down", "UNAVAILABLE");
      }
      return new FleetScan(
          List.of(new Orphan(Orphan.DATABASE, "tenant_x", "local-1", null, "no tenant")),
          List.of());
    }

    @Override
    public List<Orphan> findStalledTenants() {
      UUID id = UUID.fromString("00000000-0000-0000-0000-000000000001");
      return List.of(new Orphan(Orphan.STALLED_TENANT, id.toString(), null, id, "lost"));
    }

    @Override
    public long recordReport(ReconcileReport report) {
      reports.add(report);
      return reports.size();
    }

    @Override
    public RemovalOutcome removeOrphan(OrphanRemoval removal) {
      return removal.name().equals("tenant_x")
          ? RemovalOutcome.done()
          : RemovalOutcome.refused("not an orphan");
    }
  }

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        ReconcileFleetWorkflowImpl.class, RemoveOrphanWorkflowImpl.class);
    worker.registerActivitiesImplementations(fleet);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .build();
  }

  @Test
  void anOnDemandRunReportsOrphansAndStalledTenantsOnce() {
    ReconcileSummary summary =
        client
            .newWorkflowStub(
                ReconcileFleetWorkflow.class,
                options(ReconcileFleetWorkflow.onDemandWorkflowId("t1")))
            .reconcile(new ReconcileRequest("ops@test", null));

    assertThat(summary.orphansByKind())
        .containsEntry("database", 1)
        .containsEntry("stalled_tenant", 1);
    assertThat(fleet.reports)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.actor()).isEqualTo("ops@test");
              assertThat(r.workflowId()).isEqualTo("platform-reconcile-t1");
              assertThat(r.orphans()).hasSize(2);
            });
    RecordedHistories.record(
        client, ReconcileFleetWorkflow.onDemandWorkflowId("t1"), "reconcile-on-demand");
  }

  @Test
  void theTimerLoopWaitsReconcilesAndContinuesAsNewEvenAfterAFailedRun() {
    fleet.failScans = true;
    WorkflowClient.start(
        client.newWorkflowStub(
                ReconcileFleetWorkflow.class, options(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID))
            ::reconcile,
        new ReconcileRequest("platform:schedule", Duration.ofHours(1)));
    // Nothing runs before the first interval is over.
    assertThat(fleet.scans.get()).isZero();

    env.sleep(Duration.ofMinutes(61));
    waitUntil(() -> fleet.scans.get() >= 1);
    fleet.failScans = false;
    env.sleep(Duration.ofMinutes(61));
    waitUntil(() -> fleet.reports.size() >= 1);

    // Each run is its own execution of the same workflow id, and the loop is still running.
    WorkflowStub loop = client.newUntypedWorkflowStub(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID);
    assertThat(loop.describe().getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    long continued =
        client.fetchHistory(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID).getEvents().stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
            .count();
    assertThat(continued).isEqualTo(1); // the latest run's history alone: it stays short
    assertThat(fleet.reports.get(0).actor()).isEqualTo("platform:schedule");
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void removalReturnsWhatTheActivityDecided() {
    RemovalOutcome done =
        client
            .newWorkflowStub(
                RemoveOrphanWorkflow.class,
                options(RemoveOrphanWorkflow.workflowId("database", "tenant_x")))
            .remove(new OrphanRemoval("database", "tenant_x", "local-1", "ops@test"));
    RemovalOutcome refused =
        client
            .newWorkflowStub(
                RemoveOrphanWorkflow.class,
                options(RemoveOrphanWorkflow.workflowId("database", "tenant_y")))
            .remove(new OrphanRemoval("database", "tenant_y", "local-1", "ops@test"));

    assertThat(done.removed()).isTrue();
    assertThat(refused.removed()).isFalse();
    assertThat(refused.reason()).isEqualTo("not an orphan");
    RecordedHistories.record(
        client, RemoveOrphanWorkflow.workflowId("database", "tenant_y"), "remove-orphan-refused");
  }
}
