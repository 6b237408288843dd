package com.taskifai.workflows.reconcile;

import static com.taskifai.workflows.ActivityPolicies.STEP_RETRY;

import com.taskifai.workflows.ports.FleetActivities;
import com.taskifai.workflows.ports.FleetScan;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.ReconcileReport;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * One reconciliation, or (with {@link ReconcileRequest#repeatEvery()}) a durable timer loop that
 * waits, reconciles and continues as new, so its history stays short.
 */
public class ReconcileFleetWorkflowImpl implements ReconcileFleetWorkflow {
  private static final Logger log = Workflow.getLogger(ReconcileFleetWorkflowImpl.class);

  // A scan reads every server's catalogue and heartbeats between servers.
  static final ActivityOptions SCAN =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setHeartbeatTimeout(Duration.ofMinutes(1))
          .setRetryOptions(STEP_RETRY)
          .build();

  static final ActivityOptions RECORD =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(STEP_RETRY)
          .build();

  private final FleetActivities scan = Workflow.newActivityStub(FleetActivities.class, SCAN);
  private final FleetActivities record = Workflow.newActivityStub(FleetActivities.class, RECORD);

  @Override
  public ReconcileSummary reconcile(ReconcileRequest request) {
    boolean loop = request.repeatEvery() != null;
    if (loop) {
      Workflow.sleep(request.repeatEvery());
    }
    ReconcileSummary summary;
    try {
      summary = runOnce(request.actor());
    } catch (ActivityFailure e) {
      if (!loop) {
        throw e;
      }
      // The loop must outlive a bad run: the next one tries again.
      log.warn("reconciliation failed; the next run is in {}", request.repeatEvery());
      summary = new ReconcileSummary(0, Map.of(), 1);
    }
    if (loop) {
      Workflow.continueAsNew(request);
    }
    return summary;
  }

  private ReconcileSummary runOnce(String actor) {
    FleetScan found = scan.scanFleet();
    List<Orphan> orphans = new ArrayList<>(found.orphans());
    orphans.addAll(scan.findStalledTenants());
    long id =
        record.recordReport(
            new ReconcileReport(
                Workflow.getInfo().getWorkflowId(), actor, orphans, found.problems()));
    Map<String, Integer> byKind = new TreeMap<>();
    for (Orphan o : orphans) {
      byKind.merge(o.kind(), 1, Integer::sum);
    }
    return new ReconcileSummary(id, byKind, found.problems().size());
  }
}
