package com.taskifai.workflows.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout's scheduling on Temporal's test environment with an in-memory fleet: concurrency in
 * total and per server, continue-as-new, the failure ratio that pauses it, and a failed canary. The
 * real databases are in the worker's end-to-end test.
 */
class MigrateFleetWorkflowTest {
  private TestWorkflowEnvironment env;
  private FakeFleet fleet;
  private WorkflowClient client;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        MigrateFleetWorkflowImpl.class,
        TenantMigrateWorkflowImpl.class,
        EnableExtensionWorkflowImpl.class);
    fleet = new FakeFleet();
    worker.registerActivitiesImplementations(fleet);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private MigrateFleetWorkflow flow(String id) {
    return client.newWorkflowStub(
        MigrateFleetWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .setWorkflowId(MigrateFleetWorkflow.workflowId(id))
            .build());
  }

  private static MigrationRequest request(
      String id, int canaryCount, List<UUID> canaries, int total, int perServer, double ratio) {
    return new MigrationRequest(
        id, null, canaries, canaryCount, total, perServer, ratio, "test", false, null);
  }

  @Test
  void boundsConcurrencyInTotalAndPerServerAndContinuesAsNewOnALargeFleet() throws Exception {
    fleet.add(600, 3);
    fleet.delayMillis = 5;
    MigrateFleetWorkflow flow = flow("big");
    WorkflowExecution run =
        WorkflowClient.start(flow::migrate, request("big", 2, List.of(), 6, 2, 0.1));
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(180, TimeUnit.SECONDS, MigrationProgress.class);

    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.done()).isEqualTo(600);
    assertThat(result.failed()).isZero();
    assertThat(fleet.versions.values()).containsOnly("5");
    assertThat(fleet.maxTotal.get()).isLessThanOrEqualTo(6).isGreaterThan(1);
    assertThat(fleet.maxPerServer.values())
        .allSatisfy(max -> assertThat(max.get()).isLessThanOrEqualTo(2));
    assertThat(fleet.migrations.get()).isEqualTo(600);
    // More than TENANTS_PER_RUN children: the first run continued as new.
    String lastRun =
        client
            .newUntypedWorkflowStub(MigrateFleetWorkflow.workflowId("big"))
            .describe()
            .getExecution()
            .getRunId();
    assertThat(lastRun).isNotEqualTo(run.getRunId());
    assertThat(fleet.states).endsWith("COMPLETED");
  }

  @Test
  void theFailureRatioPausesTheRolloutAndResumingGoesOn() throws Exception {
    fleet.add(30, 1);
    List<UUID> ids = new ArrayList<>(fleet.servers.keySet());
    // Three early failures (not canaries: canary_count 0).
    fleet.failing.addAll(ids.subList(0, 3));
    MigrateFleetWorkflow flow = flow("ratio");
    WorkflowClient.start(flow::migrate, request("ratio", 0, List.of(), 1, 1, 0.1));

    awaitTrue(() -> "PAUSED".equals(flow.progress().state()));
    MigrationProgress paused = flow.progress();
    // 0.1 of at least 10 finished: the second failure is one too many.
    assertThat(paused.failed()).isEqualTo(2);
    assertThat(paused.reason()).contains("failure ratio").contains("2 of 2");
    Thread.sleep(300);
    assertThat(flow.progress().done()).as("no new tenant while paused").isZero();
    assertThat(fleet.states).contains("PAUSED");

    flow.resume();
    // The third failure is new since the resume and the ratio is still above: paused again.
    awaitTrue(() -> "PAUSED".equals(flow.progress().state()) && flow.progress().failed() == 3);
    flow.resume();
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);
    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.done()).isEqualTo(27);
    assertThat(result.failed()).isEqualTo(3);
    assertThat(result.reason()).isEqualTo("3 tenants failed");
    assertThat(fleet.recordedFailures).containsExactlyInAnyOrderElementsOf(ids.subList(0, 3));
  }

  @Test
  void aFailedCanaryEndsTheRolloutBeforeTheFleet() throws Exception {
    fleet.add(10, 2);
    UUID canary = new ArrayList<>(fleet.servers.keySet()).get(7);
    fleet.failing.add(canary);
    MigrateFleetWorkflow flow = flow("canary");
    WorkflowClient.start(flow::migrate, request("canary", 0, List.of(canary), 4, 4, 0.5));
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);

    assertThat(result.state()).isEqualTo("FAILED");
    assertThat(result.reason()).contains("1 of 1 canaries failed");
    assertThat(fleet.migrations.get()).as("no tenant migrated").isZero();
    assertThat(fleet.recordedFailures).containsExactly(canary);
    assertThat(fleet.candidateCalls.get()).as("the fleet never listed").isZero();
  }

  @Test
  void abortLetsRunningTenantsFinishAndStartsNoNewOne() throws Exception {
    fleet.add(40, 1);
    fleet.delayMillis = 100;
    MigrateFleetWorkflow flow = flow("abort");
    WorkflowClient.start(flow::migrate, request("abort", 0, List.of(), 2, 2, 0.5));
    awaitTrue(() -> flow.progress().done() >= 4);
    flow.abort("enough");
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);
    assertThat(result.state()).isEqualTo("ABORTED");
    assertThat(result.reason()).isEqualTo("enough");
    assertThat(result.running()).isZero();
    assertThat(result.done()).isLessThan(40).isEqualTo(fleet.migrations.get());
  }

  @Test
  void skipsATenantAnotherOperationHoldsAndComesBackToItLaterInTheRollout() throws Exception {
    fleet.add(12, 2);
    List<UUID> ids = new ArrayList<>(fleet.servers.keySet());
    UUID moving = ids.get(3);
    UUID backingUp = ids.get(8);
    // One is held for its first two turns (a move), one for its first turn (a backup).
    fleet.busyTurns.put(moving, new AtomicInteger(2));
    fleet.busyTurns.put(backingUp, new AtomicInteger(1));
    MigrateFleetWorkflow flow = flow("busy");
    WorkflowClient.start(flow::migrate, request("busy", 0, List.of(), 3, 3, 0.1));
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);

    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.reason()).isNull();
    assertThat(result.done()).isEqualTo(12);
    assertThat(result.failed()).isZero();
    assertThat(fleet.versions.get(moving)).isEqualTo("5");
    assertThat(fleet.versions.get(backingUp)).isEqualTo("5");
    assertThat(fleet.turns.get(moving).get()).isEqualTo(3);
    assertThat(fleet.turns.get(backingUp).get()).isEqualTo(2);
    assertThat(fleet.recordedFailures).isEmpty();
  }

  @Test
  void aTenantHeldThroughoutIsReportedAndTheRolloutStillEnds() throws Exception {
    fleet.add(4, 1);
    UUID held = new ArrayList<>(fleet.servers.keySet()).get(1);
    fleet.busyTurns.put(held, new AtomicInteger(Integer.MAX_VALUE));
    MigrateFleetWorkflow flow = flow("held");
    WorkflowClient.start(flow::migrate, request("held", 0, List.of(), 2, 2, 0.1));
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);

    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.done()).isEqualTo(3);
    assertThat(result.skipped()).isEqualTo(1);
    assertThat(result.reason()).contains("1 tenants were held by other operations");
    assertThat(fleet.versions.get(held)).isEqualTo("1");
    assertThat(fleet.turns.get(held).get()).isEqualTo(1 + MigrateFleetWorkflowImpl.BUSY_ROUNDS);
  }

  @Test
  void everyServersTrialDatabaseIsMigratedAfterTheCanariesAndOneThatFailsIsNamed()
      throws Exception {
    fleet.add(6, 3);
    fleet.failingTrialDatabases.add("s1");
    MigrateFleetWorkflow flow = flow("trials");
    WorkflowClient.start(flow::migrate, request("trials", 1, List.of(), 2, 1, 0.5));
    MigrationProgress result =
        WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);

    assertThat(fleet.trialDatabases).containsExactly("s0@5", "s1@5", "s2@5");
    // The dedicated tenants went on; the failed trial database is named, not counted as a tenant.
    assertThat(result.state()).isEqualTo("COMPLETED");
    assertThat(result.done()).isEqualTo(6);
    assertThat(result.failed()).isZero();
    assertThat(result.reason())
        .startsWith("shared trial databases failed")
        .contains("s1: tables without tenant_id");
  }

  @Test
  void aFailedCanaryLeavesTheTrialDatabasesAlone() throws Exception {
    fleet.add(4, 2);
    UUID canary = new ArrayList<>(fleet.servers.keySet()).get(0);
    fleet.failing.add(canary);
    MigrateFleetWorkflow flow = flow("trial-canary");
    WorkflowClient.start(flow::migrate, request("trial-canary", 0, List.of(canary), 2, 2, 0.5));
    WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);

    assertThat(fleet.trialDatabases).isEmpty();
  }

  @Test
  void aRolloutHistoryReplaysWithTheCurrentCode() throws Exception {
    fleet.add(4, 2);
    MigrateFleetWorkflow flow = flow("replay");
    WorkflowClient.start(flow::migrate, request("replay", 1, List.of(), 2, 1, 0.5));
    WorkflowStub.fromTyped(flow).getResult(60, TimeUnit.SECONDS, MigrationProgress.class);
    WorkflowExecutionHistory history =
        client.fetchHistory(MigrateFleetWorkflow.workflowId("replay"));

    WorkflowReplayer.replayWorkflowExecution(
        history, MigrateFleetWorkflowImpl.class, TenantMigrateWorkflowImpl.class);
    RecordedHistories.record(history, "migrate-fleet-rollout");
    UUID tenant = fleet.versions.keySet().iterator().next();
    RecordedHistories.record(
        client, TenantMigrateWorkflow.workflowId(tenant, "5"), "tenant-migrate-done");
  }

  @Test
  void anExtensionThatCannotBeAppliedFailsAfterThreeAttempts() {
    fleet.failingExtension = true;
    UUID tenant = UUID.fromString("7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a");
    String id = EnableExtensionWorkflow.workflowId(tenant, "custom_fields");
    EnableExtensionWorkflow enable =
        client.newWorkflowStub(
            EnableExtensionWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(id)
                .build());

    assertThatThrownBy(
            () -> enable.enable(new TenantExtensionInput(tenant, "custom_fields", "test")))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause()
        .hasMessageContaining("server pg-1 unreachable");
    assertThat(fleet.extensionAttempts).hasValue(3);
    RecordedHistories.record(client, id, "enable-extension-failed");
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached in 30 s");
      }
      Thread.sleep(20);
    }
  }

  /** An in-memory fleet: tenants (id order) on servers, all at version 1; the newest is 5. */
  static final class FakeFleet implements FleetMigrationActivities {
    final Map<UUID, String> servers = new TreeMap<>();
    final Map<UUID, String> versions = new ConcurrentHashMap<>();
    final Set<UUID> failing = ConcurrentHashMap.newKeySet();
    final List<UUID> recordedFailures = new CopyOnWriteArrayList<>();
    final List<String> states = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxTotal = new AtomicInteger();
    final Map<String, AtomicInteger> runningPerServer = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> maxPerServer = new ConcurrentHashMap<>();
    final AtomicInteger migrations = new AtomicInteger();
    final AtomicInteger candidateCalls = new AtomicInteger();
    volatile long delayMillis;
    final Map<UUID, AtomicInteger> busyTurns = new ConcurrentHashMap<>();
    final Map<UUID, AtomicInteger> turns = new ConcurrentHashMap<>();

    void add(int count, int serverCount) {
      for (int i = 0; i < count; i++) {
        UUID id = UUID.randomUUID();
        servers.put(id, "s" + (i % serverCount));
        versions.put(id, "1");
      }
    }

    @Override
    public void start(Start start) {}

    @Override
    public List<String> servers() {
      return servers.values().stream().distinct().sorted().toList();
    }

    @Override
    public String migrateTemplate(String serverId) {
      return "5";
    }

    @Override
    public void setPhase(Phase phase) {}

    @Override
    public void setState(State state) {
      states.add(state.state());
    }

    @Override
    public List<MigrationTarget> canaries(Canaries c) {
      if (!c.tenants().isEmpty()) {
        return c.tenants().stream().map(t -> new MigrationTarget(t, servers.get(t))).toList();
      }
      return pending(c.targetVersion(), null, c.count());
    }

    @Override
    public List<MigrationTarget> candidates(Candidates c) {
      candidateCalls.incrementAndGet();
      return pending(c.targetVersion(), c.after(), c.limit());
    }

    private synchronized List<MigrationTarget> pending(String target, UUID after, int limit) {
      List<MigrationTarget> out = new ArrayList<>();
      for (var e : servers.entrySet()) {
        if ((after == null || e.getKey().compareTo(after) > 0)
            && !target.equals(versions.get(e.getKey()))
            && out.size() < limit) {
          out.add(new MigrationTarget(e.getKey(), e.getValue()));
        }
      }
      return out;
    }

    @Override
    public TenantMigrationResult migrateTenant(TenantMigrationInput input) {
      turns.computeIfAbsent(input.tenantId(), t -> new AtomicInteger()).incrementAndGet();
      AtomicInteger held = busyTurns.get(input.tenantId());
      if (held != null && held.getAndDecrement() > 0) {
        return new TenantMigrationResult(
            input.tenantId(), TenantMigrationResult.BUSY, null, 0, "busy with MOVING (move:x)");
      }
      String server = servers.get(input.tenantId());
      AtomicInteger onServer = runningPerServer.computeIfAbsent(server, s -> new AtomicInteger());
      int total = running.incrementAndGet();
      int here = onServer.incrementAndGet();
      maxTotal.accumulateAndGet(total, Math::max);
      maxPerServer
          .computeIfAbsent(server, s -> new AtomicInteger())
          .accumulateAndGet(here, Math::max);
      try {
        if (delayMillis > 0) {
          Thread.sleep(delayMillis);
        }
        if (failing.contains(input.tenantId())) {
          throw ApplicationFailure.newNonRetryableFailure(
              "relation \"x\" already exists", "INVALID_STATE");
        }
        migrations.incrementAndGet();
        versions.put(input.tenantId(), input.targetVersion());
        return new TenantMigrationResult(
            input.tenantId(), TenantMigrationResult.DONE, input.targetVersion(), 1, null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        running.decrementAndGet();
        onServer.decrementAndGet();
      }
    }

    @Override
    public String applyExtension(TenantExtensionInput input) {
      extensionAttempts.incrementAndGet();
      if (failingExtension) {
        throw ApplicationFailure.newFailure("server pg-1 unreachable", "UNAVAILABLE");
      }
      return "1";
    }

    final AtomicInteger extensionAttempts = new AtomicInteger();
    volatile boolean failingExtension;

    final List<String> trialDatabases = new CopyOnWriteArrayList<>();
    final Set<String> failingTrialDatabases = ConcurrentHashMap.newKeySet();

    @Override
    public TrialDatabaseResult migrateTrialDatabase(TrialDatabase input) {
      trialDatabases.add(input.serverId() + "@" + input.targetVersion());
      if (failingTrialDatabases.contains(input.serverId())) {
        throw ApplicationFailure.newNonRetryableFailure(
            "tables without tenant_id in the shared trial database: [notes]", "INVALID_STATE");
      }
      return new TrialDatabaseResult(input.serverId(), "DONE", input.targetVersion(), 1);
    }

    @Override
    public void recordFailure(TenantMigrationFailure failure) {
      recordedFailures.add(failure.tenantId());
    }
  }
}
