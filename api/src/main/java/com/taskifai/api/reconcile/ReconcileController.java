package com.taskifai.api.reconcile;

import com.taskifai.api.ApiException;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.ReconcileWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.RemovalOutcome;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The fleet reconciler: run it now ({@code POST /admin/reconcile}, fresh MFA, 202), read its newest
 * report ({@code GET /admin/reconcile/orphans}), and remove one orphan the report lists ({@code
 * DELETE /admin/reconcile/orphans/{kind}/{name}}, fresh MFA; 409 when the report does not list it
 * or the worker's check finds a tenant owning it now).
 */
@RestController
@RequestMapping("/admin/reconcile")
class ReconcileController {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,253}");

  private final ReconcileWorkflows workflows;
  private final ReconcileReports reports;
  private final AuditLog audit;
  private final FreshMfa mfa;
  private final ReconcileSettings settings;
  private final ReconcileScheduling scheduling;

  ReconcileController(
      ReconcileWorkflows workflows,
      ReconcileReports reports,
      AuditLog audit,
      FreshMfa mfa,
      ReconcileSettings settings,
      ReconcileScheduling scheduling) {
    this.workflows = workflows;
    this.reports = reports;
    this.audit = audit;
    this.mfa = mfa;
    this.settings = settings;
    this.scheduling = scheduling;
  }

  record Started(String workflowId) {}

  record OrphanList(
      Long reportId,
      String workflowId,
      String actor,
      Instant finishedAt,
      Map<String, Integer> counts,
      List<ReconcileReports.Item> orphans,
      List<String> problems,
      String schedule,
      String interval) {}

  record Removed(String kind, String name, boolean removed) {}

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Started> run(@AuthenticationPrincipal Jwt jwt) {
    String actor = mfa.require(jwt);
    String id = workflows.startReconcile(actor);
    audit.append(
        null, actor, "fleet.reconcile.request", null, "accepted", Map.of("workflow_id", id));
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(new Started(id));
  }

  @GetMapping("/orphans")
  OrphanList orphans() {
    String interval = settings.interval().toString();
    return reports
        .latest()
        .map(
            r ->
                new OrphanList(
                    r.id(),
                    r.workflowId(),
                    r.actor(),
                    r.finishedAt(),
                    r.countByKind(),
                    r.orphans(),
                    r.problems(),
                    scheduling.chosen(),
                    interval))
        .orElse(
            new OrphanList(
                null,
                null,
                null,
                null,
                Map.of(),
                List.of(),
                List.of(),
                scheduling.chosen(),
                interval));
  }

  @DeleteMapping("/orphans/{kind}/{name}")
  Removed remove(
      @AuthenticationPrincipal Jwt jwt, @PathVariable String kind, @PathVariable String name) {
    String actor = mfa.require(jwt);
    if (!Orphan.KINDS.contains(kind)) {
      throw ApiException.badRequest(
          "kind '" + kind + "' is unknown; use one of " + String.join(", ", Orphan.REMOVABLE));
    }
    if (Orphan.UNSCOPED_TRIAL_DATABASE.equals(kind)) {
      throw ApiException.badRequest(
          "an unscoped trial database is repaired, not removed: give every table tenant_id and the"
              + " trial_isolation policy (docs/operations.md, Trial tenants)");
    }
    if (!Orphan.REMOVABLE.contains(kind)) {
      throw ApiException.badRequest(
          "a stalled tenant is not removed here: start its workflow again or cancel the tenant");
    }
    if (!NAME.matcher(name).matches()) {
      throw ApiException.badRequest("name must be 1 to 253 letters, digits, dots, _ or -");
    }
    ReconcileReports.Item item =
        reports
            .latest()
            .flatMap(r -> r.find(kind, name))
            .orElseThrow(
                () ->
                    new ApiException(
                        HttpStatus.CONFLICT,
                        "not_an_orphan",
                        kind
                            + " "
                            + name
                            + " is not an orphan in the newest reconcile report; only reported"
                            + " orphans are removed (run POST /admin/reconcile for a new report)"));
    String workflowId = WorkflowIds.removeOrphan(kind, name);
    try {
      workflows.startOrphanRemoval(new OrphanRemoval(kind, name, item.serverId(), actor));
    } catch (WorkflowAlreadyRunning running) {
      throw ApiException.conflict(
          "a removal of " + kind + " " + name + " runs already", Map.of("workflow_id", workflowId));
    }
    RemovalOutcome outcome;
    try {
      outcome =
          workflows
              .awaitOrphanRemoval(workflowId, settings.removalTimeout())
              .orElseThrow(
                  () ->
                      new ApiException(
                          HttpStatus.SERVICE_UNAVAILABLE,
                          "removal_pending",
                          "the removal did not finish in time; is the worker running? Workflow "
                              + workflowId,
                          Map.of("workflow_id", workflowId)));
    } catch (ApiException pending) {
      throw pending;
    } catch (RuntimeException e) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "removal_failed",
          "the removal failed; see workflow " + workflowId + " and the audit trail",
          Map.of("workflow_id", workflowId));
    }
    if (!outcome.removed()) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "not_removable",
          kind + " " + name + " was not removed: " + outcome.reason(),
          Map.of("workflow_id", workflowId));
    }
    return new Removed(kind, name, true);
  }
}
