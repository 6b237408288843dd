package com.taskifai.launcher.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.taskifai.launcher.PlatformControl;
import com.taskifai.launcher.chaos.PlatformClient.Answer;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The invariants of a chaos run. Continuously (every few seconds while faults run): trial isolation
 * is on in every router, no router holds more connections of a server than its budget for longer
 * than {@link BudgetWatch#BOUND}, and no tenant holds an operation claim longer than {@link
 * #CLAIM_BOUND}. At the end, after the faults stop and the platform has had the settle bound to
 * finish its work: no tenant in a non-final status, holding a claim or holding writes; every
 * acknowledged write in its tenant's database (except those a replace-restore rolled back) and no
 * tenant seeing another's rows; the reconciler finds no orphan; no workflow failed, was terminated
 * or timed out.
 */
final class Invariants {
  /** How long an operation may hold its tenant while faults run. */
  static final Duration CLAIM_BOUND = Duration.ofMinutes(6);

  private static final Set<String> NON_FINAL =
      Set.of("PROVISIONING", "AWAITING_VERIFICATION", "DELETING");
  private static final Pattern METRIC =
      Pattern.compile("^([a-z_]+)\\{([^}]*)}\\s+([0-9.eE+-]+|NaN)$");

  private final PlatformControl platform;
  private final PlatformClient client;
  private final RegistryView registry;
  private final WorkflowServiceStubs temporal;
  private final String namespace;
  private final Workload workload;
  private final Ledger ledger;
  private final ChaosReport report;
  private final Set<String> reported = new HashSet<>();
  private final BudgetWatch budgets = new BudgetWatch();

  Invariants(
      PlatformControl platform,
      PlatformClient client,
      RegistryView registry,
      WorkflowServiceStubs temporal,
      String namespace,
      Workload workload,
      Ledger ledger,
      ChaosReport report) {
    this.platform = platform;
    this.client = client;
    this.registry = registry;
    this.temporal = temporal;
    this.namespace = namespace;
    this.workload = workload;
    this.ledger = ledger;
    this.report = report;
  }

  private void violation(String invariant, String key, String detail) {
    synchronized (reported) {
      if (!reported.add(invariant + ":" + key)) {
        return;
      }
    }
    report.violation(invariant, detail);
  }

  // ---- continuous -----------------------------------------------------------------------------

  /** The checks that run while faults do; a part that does not answer is skipped this time. */
  void checkWhileRunning() throws InterruptedException {
    routerMetrics();
    try {
      Instant bound = Instant.now().minus(CLAIM_BOUND);
      for (RegistryView.Row r : registry.all()) {
        if (r.operation() != null
            && r.operationStartedAt() != null
            && r.operationStartedAt().isBefore(bound)) {
          violation(
              "claim-bound",
              r.id() + r.operation(),
              r.subdomain()
                  + " has held "
                  + r.operation()
                  + " since "
                  + r.operationStartedAt()
                  + " (over "
                  + CLAIM_BOUND
                  + ")");
        }
      }
    } catch (SQLException e) {
      // the registry is down for now
    }
  }

  /** Trial isolation on and connection budgets kept, on each router's metrics port. */
  private void routerMetrics() throws InterruptedException {
    for (String router : List.of("router-1", "router-2")) {
      Answer a =
          client.get(
              "http://127.0.0.1:" + platform.managementPort(router) + "/actuator/prometheus");
      if (!a.ok()) {
        budgets.seen(Set.of(), router);
        continue;
      }
      Map<String, Double> held = new HashMap<>();
      Map<String, Double> limit = new HashMap<>();
      boolean sawTrialGauge = false;
      for (String line : a.body().split("\n")) {
        Matcher m = METRIC.matcher(line.strip());
        if (!m.matches()) {
          continue;
        }
        double v = Double.parseDouble(m.group(3));
        switch (m.group(1)) {
          case "taskifai_router_trial_databases_unscoped" -> {
            sawTrialGauge = true;
            if (v != 0) {
              violation(
                  "trial-isolation",
                  router + m.group(2),
                  router
                      + " reports "
                      + v
                      + " trial databases without row security {"
                      + m.group(2)
                      + "}");
            }
          }
          case "taskifai_router_server_connections_held" -> held.put(m.group(2), v);
          case "taskifai_router_server_connections_limit" -> limit.put(m.group(2), v);
          default -> {}
        }
      }
      report.fact("trial_isolation_gauge_seen_" + router, sawTrialGauge);
      Instant now = Instant.now();
      Set<String> keys = new HashSet<>();
      held.forEach(
          (labels, h) -> {
            Double l = limit.get(labels);
            keys.add(router + labels);
            if (l != null && budgets.observe(router + labels, h, l, now)) {
              violation(
                  "connection-budget",
                  router + labels + Instant.now().getEpochSecond() / 60,
                  router
                      + " holds "
                      + h
                      + " connections over its limit "
                      + l
                      + " for over "
                      + BudgetWatch.BOUND
                      + " {"
                      + labels
                      + "}");
            }
          });
      budgets.seen(keys, router);
      report.fact("connection_budget_brief_excesses", budgets.brief());
    }
  }

  // ---- at the end -----------------------------------------------------------------------------

  /**
   * Waits (up to {@code settle}) until no tenant is in a non-final status, holds a claim or holds
   * writes; then reports each one that still does.
   */
  void settle(Duration settle) throws InterruptedException {
    long deadline = System.nanoTime() + settle.toNanos();
    List<RegistryView.Row> busy = List.of();
    while (System.nanoTime() < deadline) {
      try {
        busy = registry.all().stream().filter(Invariants::busy).toList();
        if (busy.isEmpty()) {
          return;
        }
      } catch (SQLException e) {
        // again
      }
      Thread.sleep(1000);
    }
    for (RegistryView.Row r : busy) {
      violation(
          "settled",
          r.id().toString(),
          r.subdomain()
              + " ("
              + r.id()
              + ") is "
              + r.status()
              + (r.operation() == null ? "" : " holding " + r.operation())
              + (r.writesHeld() ? " with writes held" : "")
              + " "
              + settle.toSeconds()
              + " s after the faults stopped");
    }
  }

  private static boolean busy(RegistryView.Row r) {
    return NON_FINAL.contains(r.status()) || r.operation() != null || r.writesHeld();
  }

  /**
   * Every acknowledged write is in its tenant's database (read back through a router) unless a
   * replace-restore rolled it back, and no tenant sees another tenant's rows.
   */
  void ledgerAndIsolation(int routerPort) throws InterruptedException {
    Instant until = Instant.now();
    long checked = 0;
    long rolledBack = 0;
    Map<String, ChaosTenant> bySubdomain = new HashMap<>();
    workload.tenants.forEach(t -> bySubdomain.put(t.subdomain, t));
    for (ChaosTenant t : workload.tenants) {
      String status = registry.find(t.id).map(RegistryView.Row::status).orElse("?");
      if (!status.equals("ACTIVE")) {
        report.fact("not_checked_" + t.subdomain, status);
        continue;
      }
      Set<String> skus = new HashSet<>();
      if (!readAll(t, routerPort, skus)) {
        violation("ledger", t.id.toString(), t + ": its products could not be read back");
        continue;
      }
      for (String sku : skus) {
        int dot = sku.lastIndexOf('.');
        ChaosTenant owner = dot < 0 ? null : bySubdomain.get(sku.substring(0, dot));
        if (owner != null && owner != t) {
          violation("isolation", t.id + sku, t + " sees " + owner + "'s row " + sku);
        }
      }
      List<Ledger.Write> lost = ledger.lost(t.id, skus, until);
      for (Ledger.Write w : lost) {
        violation(
            "ledger",
            t.id + w.sku(),
            t
                + " lost the write "
                + w.sku()
                + " acknowledged "
                + w.status()
                + " at +"
                + Duration.between(report.started(), w.answered()).toMillis()
                + " ms");
      }
      checked += ledger.acknowledged(t.id, until).size();
      rolledBack += ledger.rolledBackMissing(t.id, skus, until);
    }
    report.fact("acknowledged_writes_checked", checked);
    report.fact("acknowledged_writes_rolled_back_by_replace_restore", rolledBack);
  }

  private boolean readAll(ChaosTenant t, int port, Set<String> skus) throws InterruptedException {
    int offset = 0;
    for (int attempt = 0; attempt < 20; ) {
      Answer a =
          client.tenant(
              port, t.subdomain, "GET", "/api/products?limit=500&offset=" + offset, t.token, null);
      if (a.status() == 401 && workload.signIn(t, port)) {
        continue;
      }
      if (!a.ok()) {
        attempt++;
        Thread.sleep(1000);
        continue;
      }
      JsonNode page = a.json();
      JsonNode items = page.has("items") ? page.path("items") : page.path("content");
      for (JsonNode p : items) {
        skus.add(p.path("sku").asText());
      }
      offset += 500;
      if (items.size() < 500) {
        return true;
      }
    }
    return false;
  }

  /** Runs the reconciler and reports each orphan it finds. */
  void noOrphans() throws InterruptedException {
    Answer started = client.admin("POST", "/admin/reconcile", Map.of());
    if (!started.ok()) {
      violation(
          "orphans",
          "start",
          "the reconciler could not be started: " + started.status() + " " + started.body());
      return;
    }
    String workflowId = started.json().path("workflow_id").asText();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    Answer list = started;
    while (System.nanoTime() < deadline) {
      list = client.admin("GET", "/admin/reconcile/orphans", null);
      JsonNode j = list.json();
      if (list.ok() && workflowId.equals(j.path("workflow_id").asText())) {
        report.fact("reconciler_orphans", j.path("orphans").size());
        for (JsonNode o : j.path("orphans")) {
          violation("orphans", o.toString(), "the reconciler reports an orphan: " + o);
        }
        for (JsonNode p : j.path("problems")) {
          violation("orphans", p.toString(), "the reconciler reports a problem: " + p);
        }
        return;
      }
      Thread.sleep(1000);
    }
    violation(
        "orphans",
        "late",
        "the reconciler "
            + workflowId
            + " did not report within 2 min; GET /admin/reconcile/orphans answered "
            + list.status()
            + " "
            + list.body().substring(0, Math.min(400, list.body().length())));
  }

  /** No workflow failed, was terminated or timed out. */
  void noFailedWorkflows() {
    String query =
        "ExecutionStatus = 'Failed' OR ExecutionStatus = 'Terminated'"
            + " OR ExecutionStatus = 'TimedOut'";
    ListWorkflowExecutionsResponse r =
        temporal
            .blockingStub()
            .listWorkflowExecutions(
                ListWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(namespace)
                    .setQuery(query)
                    .setPageSize(200)
                    .build());
    report.fact("failed_workflows", r.getExecutionsCount());
    int refused = 0;
    for (WorkflowExecutionInfo w : r.getExecutionsList()) {
      String failure = failure(w);
      if (failure.contains(FENCE_REFUSAL)
          || failure.contains(TARGET_NOT_OPEN)
          || failure.contains(NOT_MOVABLE)) {
        // The operation slipped past the API's check (or a drain's list) while another held or
        // changed the tenant, and its first steps refused it before changing anything: the claim
        // protocol, not a fault.
        refused++;
        report.fact("refused_by_the_claim_" + w.getExecution().getWorkflowId(), failure);
        continue;
      }
      violation(
          "workflows",
          w.getExecution().getWorkflowId(),
          w.getType().getName()
              + " "
              + w.getExecution().getWorkflowId()
              + " ended "
              + w.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "")
              + ": "
              + failure);
    }
    report.fact("failed_workflows_refused_by_the_claim", refused);
  }

  /** What the claim's refusal says ({@code StepFailure.busy}): nothing was changed. */
  static final String FENCE_REFUSAL = " is busy with ";

  /**
   * What {@code check_move}, a move's first step, says when its target stopped taking tenants (a
   * drain began) after the API's check: the move is refused before anything changed.
   */
  static final String TARGET_NOT_OPEN = "; a move needs OPEN";

  /**
   * The failure type {@code check_move} gives a tenant no longer movable (offboarded, being deleted
   * after a drain listed it): the move is refused before anything changed, the drain skips it.
   */
  static final String NOT_MOVABLE = "[NOT_MOVABLE]";

  /** The failure messages (and types) of a closed workflow's last event, cause by cause. */
  private String failure(WorkflowExecutionInfo w) {
    try {
      var history =
          temporal
              .blockingStub()
              .getWorkflowExecutionHistory(
                  io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(w.getExecution())
                      .setHistoryEventFilterType(
                          io.temporal.api.enums.v1.HistoryEventFilterType
                              .HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
                      .build());
      StringBuilder b = new StringBuilder();
      for (var e : history.getHistory().getEventsList()) {
        if (e.hasWorkflowExecutionFailedEventAttributes()) {
          var f = e.getWorkflowExecutionFailedEventAttributes().getFailure();
          while (f != null) {
            b.append(f.getMessage());
            if (f.hasApplicationFailureInfo()) {
              b.append(" [").append(f.getApplicationFailureInfo().getType()).append("]");
            }
            b.append(" / ");
            f = f.hasCause() ? f.getCause() : null;
          }
        }
      }
      return b.toString();
    } catch (RuntimeException e) {
      return "(history not read: " + e.getMessage() + ")";
    }
  }

  /** The continuous checks once more, after the settle. */
  void routersAtTheEnd() throws InterruptedException {
    routerMetrics();
  }

  /** The tenants of the run, for the report. */
  static List<UUID> ids(List<ChaosTenant> tenants) {
    return tenants.stream().map(t -> t.id).toList();
  }
}
