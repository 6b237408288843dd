package com.taskifai.workflows.migration;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The rollout as described on {@link MigrateFleetWorkflow}. The tenants come from the registry a
 * page at a time (id order, after a cursor), so the history holds at most {@link #TENANTS_PER_RUN}
 * children before a continue-as-new hands the cursor and counts to a fresh run. A tenant whose
 * recorded version is the target is never listed, so re-running a rollout finishes only what is
 * left.
 */
public class MigrateFleetWorkflowImpl implements MigrateFleetWorkflow {
  /** The search attribute that finds a rollout's children in Temporal UI. */
  public static final SearchAttributeKey<String> MIGRATION_ID =
      SearchAttributeKey.forKeyword("MigrationId");

  static final SearchAttributeKey<String> TENANT_ID = SearchAttributeKey.forKeyword("TenantId");
  static final int PAGE = 100;
  static final int TENANTS_PER_RUN = 500;

  /** The failure ratio is taken over at least this many finished tenants. */
  static final int RATIO_FLOOR = 10;

  /**
   * Tenants another operation held (a move, a backup, ...) are tried again after the fleet, this
   * many times with this pause between: long enough for a backup or a move's copy to end.
   */
  static final int BUSY_ROUNDS = 10;

  static final Duration BUSY_PAUSE = Duration.ofSeconds(30);

  private final FleetMigrationActivities registry =
      Workflow.newActivityStub(
          FleetMigrationActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(1))
              .setRetryOptions(ActivityPolicies.STEP_RETRY)
              .build());

  private final FleetMigrationActivities templates =
      Workflow.newActivityStub(
          FleetMigrationActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(30))
              .setRetryOptions(ActivityPolicies.STEP_RETRY)
              .build());

  private record Finished(MigrationTarget target, boolean canary, TenantMigrationResult result) {}

  private final Deque<Finished> finished = new ArrayDeque<>();
  private final Map<UUID, String> runningOn = new HashMap<>();
  private final Map<String, Integer> perServer = new HashMap<>();
  private final List<MigrationTarget> busy = new ArrayList<>();

  private MigrationRequest request;
  private String target;
  private String phase = RolloutPhase.TEMPLATES.stepName();
  private String state = "RUNNING";
  private String reason;
  private String recordedState = "RUNNING";
  private String recordedReason;
  private UUID cursor;
  private int done;
  private int failed;
  private int skipped;
  private boolean paused;
  private String pauseReason;
  private boolean aborted;
  private String abortReason;
  private int failedWhenResumed;
  private boolean signalled;
  private int startedThisRun;
  private String trialFailures;

  /** The version marker of the step that migrates the servers' shared trial databases. */
  static final String TRIAL_DATABASES = "trial-databases";

  @Override
  public MigrationProgress migrate(MigrationRequest request) {
    this.request = request;
    MigrationCarry carry = request.carry();
    if (carry == null) {
      registry.start(
          new FleetMigrationActivities.Start(
              request.migrationId(), request.targetVersion(), request.requestedBy(), options()));
      String newest = null;
      List<String> servers = registry.servers();
      for (String server : servers) {
        try {
          String version = templates.migrateTemplate(server);
          if (newest == null || (version != null && compareVersions(version, newest) > 0)) {
            newest = version;
          }
        } catch (ActivityFailure e) {
          return finish(
              "FAILED", "the template database of server " + server + " failed: " + message(e));
        }
      }
      target = request.targetVersion() != null ? request.targetVersion() : newest;
      if (target == null) {
        return finish("COMPLETED", "no database server holds a tenant schema to roll out");
      }
      phase = RolloutPhase.CANARIES.stepName();
      registry.setPhase(new FleetMigrationActivities.Phase(request.migrationId(), phase, target));
      List<MigrationTarget> canaries =
          registry.canaries(
              new FleetMigrationActivities.Canaries(
                  request.migrationId(), target, request.canaryTenants(), request.canaryCount()));
      runAll(canaries, true);
      if (aborted) {
        return finish("ABORTED", abortReason);
      }
      if (failed > 0) {
        return finish(
            "FAILED",
            failed
                + " of "
                + canaries.size()
                + " canaries failed; the rest of the fleet was not touched");
      }
      phase = RolloutPhase.FLEET.stepName();
      registry.setPhase(new FleetMigrationActivities.Phase(request.migrationId(), phase, target));
      migrateTrialDatabases(servers);
    } else {
      restore(carry);
    }
    while (!aborted) {
      if (startedThisRun >= TENANTS_PER_RUN || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.continueAsNew(request.withCarry(carry()));
      }
      List<MigrationTarget> page =
          registry.candidates(new FleetMigrationActivities.Candidates(target, cursor, PAGE));
      if (page.isEmpty()) {
        break;
      }
      cursor = page.get(page.size() - 1).tenantId();
      runAll(page, false);
    }
    if (Workflow.getVersion("revisit-busy-tenants", Workflow.DEFAULT_VERSION, 1) == 1) {
      for (int round = 0; round < BUSY_ROUNDS && !busy.isEmpty() && !aborted; round++) {
        Workflow.sleep(BUSY_PAUSE);
        List<MigrationTarget> again = List.copyOf(busy);
        busy.clear();
        runAll(again, false);
      }
    }
    if (aborted) {
      return finish("ABORTED", abortReason);
    }
    if (!busy.isEmpty()) {
      skipped += busy.size();
      String left =
          busy.size() + " tenants were held by other operations throughout; run the rollout again";
      String reason = completedReason();
      return finish("COMPLETED", reason == null ? left : reason + "; " + left);
    }
    return finish("COMPLETED", completedReason());
  }

  private String completedReason() {
    String tenants = failed == 0 ? null : failed + " tenants failed";
    if (trialFailures == null) {
      return tenants;
    }
    return (tenants == null ? "" : tenants + "; ")
        + "shared trial databases failed, their trials stay at the old schema: "
        + trialFailures;
  }

  /**
   * After the canaries, each server's shared trial database (its trials' rows) goes to the target,
   * one server at a time; a failure (the whole change rolled back) is named in the rollout's reason
   * (not counted in the tenants' failure ratio), and the dedicated tenants go on.
   */
  private void migrateTrialDatabases(List<String> servers) {
    if (Workflow.getVersion(TRIAL_DATABASES, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      return; // A rollout started before trial databases were migrated.
    }
    for (String server : servers) {
      if (aborted) {
        return;
      }
      try {
        templates.migrateTrialDatabase(
            new FleetMigrationActivities.TrialDatabase(request.migrationId(), server, target));
      } catch (ActivityFailure e) {
        String failure = server + ": " + message(e);
        trialFailures = trialFailures == null ? failure : trialFailures + "; " + failure;
      }
    }
  }

  /**
   * Migrates the tenants, at most {@code concurrency} at once and {@code perServerConcurrency} per
   * server, until all finished or an abort let the running ones finish. Pausing starts no new one.
   */
  private void runAll(List<MigrationTarget> tenants, boolean canary) {
    Deque<MigrationTarget> pending = new ArrayDeque<>(tenants);
    while (true) {
      while (!finished.isEmpty()) {
        account(finished.poll());
      }
      if (!canary && !paused && ratioExceeded()) {
        paused = true;
        pauseReason =
            "paused by the failure ratio: "
                + failed
                + " of "
                + (done + failed)
                + " finished tenants failed, above the maximum of "
                + request.maxFailureRatio();
      }
      recordState();
      if (runningOn.isEmpty() && (pending.isEmpty() || aborted)) {
        return;
      }
      // A failed canary: no further canary starts, the running ones finish.
      boolean mayStart = !paused && !aborted && !(canary && failed > 0);
      if (canary && failed > 0 && runningOn.isEmpty()) {
        return;
      }
      if (mayStart) {
        Iterator<MigrationTarget> it = pending.iterator();
        while (it.hasNext() && runningOn.size() < request.concurrency()) {
          MigrationTarget t = it.next();
          if (perServer.getOrDefault(t.serverId(), 0) >= request.perServerConcurrency()) {
            continue;
          }
          it.remove();
          start(t, canary);
        }
      }
      Workflow.await(() -> !finished.isEmpty() || signalled);
      signalled = false;
    }
  }

  private void start(MigrationTarget t, boolean canary) {
    ChildWorkflowOptions.Builder options =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(TenantMigrateWorkflow.workflowId(t.tenantId(), target))
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    if (request.searchAttributes()) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(MIGRATION_ID, request.migrationId())
              .set(TENANT_ID, t.tenantId().toString())
              .build());
    }
    TenantMigrateWorkflow child =
        Workflow.newChildWorkflowStub(TenantMigrateWorkflow.class, options.build());
    runningOn.put(t.tenantId(), t.serverId());
    perServer.merge(t.serverId(), 1, Integer::sum);
    startedThisRun++;
    Promise<TenantMigrationResult> result =
        Async.function(
            child::migrate,
            new TenantMigrationInput(request.migrationId(), t.tenantId(), target, canary));
    result.handle(
        (r, e) -> {
          finished.add(
              new Finished(
                  t,
                  canary,
                  r != null
                      ? r
                      : new TenantMigrationResult(
                          t.tenantId(), TenantMigrationResult.FAILED, null, 0, childError(e))));
          return null;
        });
  }

  private void account(Finished f) {
    runningOn.remove(f.target().tenantId());
    perServer.merge(f.target().serverId(), -1, Integer::sum);
    TenantMigrationResult r = f.result();
    switch (r.state()) {
      case TenantMigrationResult.DONE -> done++;
      case TenantMigrationResult.SKIPPED -> skipped++;
      case TenantMigrationResult.BUSY -> busy.add(f.target());
      default -> {
        failed++;
        if (r.version() == null && r.applied() == 0 && isChildFailure(r)) {
          registry.recordFailure(
              new TenantMigrationFailure(
                  request.migrationId(), r.tenantId(), f.canary(), r.error()));
        }
      }
    }
  }

  private static final String CHILD_FAILED = "the tenant's migration workflow failed: ";

  private static boolean isChildFailure(TenantMigrationResult r) {
    return r.error() != null && r.error().startsWith(CHILD_FAILED);
  }

  private static String childError(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text =
        root instanceof ApplicationFailure app ? app.getOriginalMessage() : root.getMessage();
    return CHILD_FAILED + (text == null ? root.getClass().getSimpleName() : text);
  }

  /** More failures than {@code maxFailureRatio} of the finished tenants (at least the floor). */
  private boolean ratioExceeded() {
    if (failed <= failedWhenResumed) {
      return false;
    }
    int finishedCount = done + failed;
    return failed > request.maxFailureRatio() * Math.max(finishedCount, RATIO_FLOOR);
  }

  /** Writes RUNNING or PAUSED (with the reason) to the registry when it changed. */
  private void recordState() {
    if (paused) {
      state = "PAUSED";
      reason = pauseReason;
    } else {
      state = "RUNNING";
      reason = aborted ? "aborting: " + abortReason : null;
    }
    if (!state.equals(recordedState) || !java.util.Objects.equals(reason, recordedReason)) {
      registry.setState(new FleetMigrationActivities.State(request.migrationId(), state, reason));
      recordedState = state;
      recordedReason = reason;
    }
  }

  private MigrationProgress finish(String finalState, String finalReason) {
    state = finalState;
    reason = finalReason;
    phase = RolloutPhase.DONE.stepName();
    registry.setState(
        new FleetMigrationActivities.State(request.migrationId(), finalState, finalReason));
    return progress();
  }

  @Override
  public void pause(String why) {
    paused = true;
    pauseReason = "paused: " + (why == null || why.isBlank() ? "by an admin" : why);
    signalled = true;
  }

  @Override
  public void resume() {
    paused = false;
    pauseReason = null;
    failedWhenResumed = failed;
    signalled = true;
  }

  @Override
  public void abort(String why) {
    aborted = true;
    abortReason = why == null || why.isBlank() ? "aborted by an admin" : why;
    signalled = true;
  }

  @Override
  public MigrationProgress progress() {
    return new MigrationProgress(
        request == null ? null : request.migrationId(),
        target,
        phase,
        state,
        reason,
        runningOn.size(),
        done,
        failed,
        skipped);
  }

  private MigrationCarry carry() {
    return new MigrationCarry(
        target,
        phase,
        cursor,
        done,
        failed,
        skipped,
        paused,
        pauseReason,
        aborted,
        failedWhenResumed,
        List.copyOf(busy),
        trialFailures);
  }

  private void restore(MigrationCarry c) {
    target = c.target();
    phase = c.phase();
    cursor = c.cursor();
    done = c.done();
    failed = c.failed();
    skipped = c.skipped();
    paused = c.paused();
    pauseReason = c.pauseReason();
    aborted = c.aborted();
    abortReason = aborted ? "aborted by an admin" : null;
    failedWhenResumed = c.failedWhenResumed();
    busy.addAll(c.busy());
    trialFailures = c.trialFailures();
    recordedState = paused ? "PAUSED" : "RUNNING";
    recordedReason = paused ? pauseReason : null;
  }

  private String options() {
    return "{\"canary_count\":"
        + request.canaryCount()
        + ",\"canary_tenants\":"
        + request.canaryTenants().size()
        + ",\"concurrency\":"
        + request.concurrency()
        + ",\"per_server_concurrency\":"
        + request.perServerConcurrency()
        + ",\"max_failure_ratio\":"
        + request.maxFailureRatio()
        + "}";
  }

  private static String message(ActivityFailure e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    String text =
        cause instanceof ApplicationFailure app ? app.getOriginalMessage() : cause.getMessage();
    return text == null ? cause.getClass().getSimpleName() : text;
  }

  /**
   * Flyway version order: parts split at '.' or '_', compared as numbers, a missing part counting
   * as less.
   */
  public static int compareVersions(String a, String b) {
    String[] x = a.split("[._]");
    String[] y = b.split("[._]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      if (i >= x.length) {
        return -1;
      }
      if (i >= y.length) {
        return 1;
      }
      int c;
      try {
        c = new BigInteger(x[i]).compareTo(new BigInteger(y[i]));
      } catch (NumberFormatException e) {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
