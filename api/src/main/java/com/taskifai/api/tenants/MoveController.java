package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.FleetSettings;
import com.taskifai.api.WorkflowQuery;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.MoveWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.api.temporal.WorkflowNotFound;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Moving a tenant's database to another server: start (fresh MFA, the subdomain typed to confirm,
 * audited), where the tenant is and where it can go, a move's progress (a workflow query), and
 * cancel a running move (fresh MFA, audited). An unknown, non-OPEN or same target answers 422, as
 * does a trial or a Supabase tenant (they do not move); a tenant busy with another operation 409
 * naming it.
 */
@RestController
@RequestMapping("/admin/tenants/{id}/move")
class MoveController {
  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final TenantOperations operations;
  private final AuditLog audit;
  private final FreshMfa mfa;
  private final MoveWorkflows workflows;
  private final Duration grace;
  private final TenantOperationGate gate;

  MoveController(
      TenantRegistry registry,
      DatabaseServers servers,
      TenantOperations operations,
      AuditLog audit,
      FreshMfa mfa,
      MoveWorkflows workflows,
      FleetSettings fleet,
      TenantOperationGate gate) {
    this.gate = gate;
    this.registry = registry;
    this.servers = servers;
    this.operations = operations;
    this.audit = audit;
    this.mfa = mfa;
    this.workflows = workflows;
    this.grace = fleet.moveGrace();
  }

  record MoveBody(String targetServer, String confirmSubdomain) {}

  record Target(String id, String region, String state) {}

  /** Where the tenant's database is, what holds the tenant, and the OPEN servers it can go to. */
  @GetMapping
  Map<String, Object> where(@PathVariable UUID id) {
    Tenant t = find(id);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", id);
    out.put("server_id", t.databaseServerId());
    out.put("database_name", t.databaseName());
    out.put("region", t.region());
    Optional<TenantOperations.Held> held = operations.current(id);
    out.put("operation", held.map(TenantOperations.Held::operation).orElse(null));
    out.put("writes_held", operations.writesHeld(id));
    // A running move's operation id is move:<target>:<run>; its workflow id follows from it.
    out.put(
        "move_workflow_id",
        held.filter(h -> "MOVING".equals(h.operation()) && h.operationId().startsWith("move:"))
            .map(h -> WorkflowIds.move(id, h.operationId().split(":")[1]))
            .orElse(null));
    List<Target> targets =
        servers.all().stream()
            .filter(s -> "OPEN".equals(s.state()) && !s.id().equals(t.databaseServerId()))
            .map(s -> new Target(s.id(), s.region(), s.state()))
            .toList();
    out.put("targets", targets);
    return out;
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Map<String, Object>> move(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestBody(required = false) MoveBody body) {
    String actor = mfa.require(jwt);
    if (body == null) {
      throw ApiException.badRequest("send {\"target_server\", \"confirm_subdomain\"}");
    }
    Tenant t = find(id);
    // A trial's or a Supabase tenant's database is not moved: refused before anything else.
    gate.refuseKind(t, TenantOperationKind.MOVING);
    if ((t.status() != TenantStatus.ACTIVE && t.status() != TenantStatus.SUSPENDED)
        || t.databaseName() == null
        || t.databaseServerId() == null) {
      throw ApiException.conflict(
          "tenant " + id + " is " + t.status() + ": only ACTIVE or SUSPENDED tenants move",
          Map.of("tenant_status", t.status().name()));
    }
    if (body.confirmSubdomain() == null || !body.confirmSubdomain().equals(t.subdomain())) {
      throw ApiException.badRequest(
          "confirm_subdomain must be the tenant's subdomain, typed to confirm the move");
    }
    String target = body.targetServer() == null ? "" : body.targetServer().strip();
    DatabaseServers.Server server =
        servers
            .find(target)
            .orElseThrow(
                () -> unprocessable("target_server " + target + " is not a registered server"));
    if (!"OPEN".equals(server.state())) {
      throw unprocessable(
          "target_server " + target + " is " + server.state() + "; a move needs an OPEN server");
    }
    if (target.equals(t.databaseServerId())) {
      throw unprocessable("tenant " + id + " is on " + target + " already");
    }
    Optional<TenantOperations.Held> held = operations.current(id);
    if (held.isPresent()) {
      throw TenantOperationGate.busy(id, held.get());
    }
    String workflowId = WorkflowIds.move(id, target);
    try {
      workflows.startMove(
          t, new MoveTenantWorkflow.MoveRequest(id, target, grace.toSeconds(), actor, null));
    } catch (WorkflowAlreadyRunning running) {
      throw ApiException.conflict(
          "a move of tenant " + id + " to " + target + " runs already (" + workflowId + ")",
          Map.of("operation", "MOVING", "workflow_id", workflowId));
    }
    audit.append(
        id,
        actor,
        "tenant.move",
        null,
        "accepted",
        Map.of(
            "workflow_id", workflowId,
            "source_server", t.databaseServerId(),
            "target_server", target));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", id);
    out.put("workflow_id", workflowId);
    out.put("source_server", t.databaseServerId());
    out.put("target_server", target);
    out.put("status", "moving");
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(out);
  }

  /** Progress of a move (a workflow query), for the portal. */
  @GetMapping("/{workflowId}")
  Map<String, Object> progress(@PathVariable UUID id, @PathVariable String workflowId) {
    find(id);
    WorkflowQuery.requireOwn(workflowId, WorkflowIds.movePrefix(id), "move");
    return WorkflowQuery.progressView(
        workflowId,
        workflows.moveProgress(workflowId),
        (out, p) -> {
          out.put("step", p.step());
          out.put("outcome", p.outcome());
          out.put("source_server", p.sourceServerId());
          out.put("target_server", p.targetServerId());
          out.put("error", p.error());
          out.put("steps", p.steps());
          out.put("copy_mode", p.copyMode());
          out.put("copy_mode_reason", p.copyModeReason());
          out.put("phase", p.phase());
          out.put("lag_bytes", p.lagBytes());
          out.put("lag_seconds", p.lagSeconds());
          out.put("rows_copied", p.rowsCopied());
          out.put("replication_error", p.replicationError());
        });
  }

  /**
   * Cancels the tenant's running move (fresh MFA): before the swap its rollback drops the
   * replication, the target database and roles and releases the tenant's writes and claim. 404 when
   * no move holds the tenant; 409 once the move has swapped the tenant onto its target (move it
   * back instead).
   */
  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/cancel")
  ResponseEntity<Map<String, Object>> cancel(
      @AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    TenantOperations.Held held =
        operations
            .current(id)
            .filter(h -> "MOVING".equals(h.operation()) && h.operationId().startsWith("move:"))
            .orElseThrow(() -> ApiException.notFound("no move of tenant " + id + " is running"));
    // move:<target>:<run>
    String target = held.operationId().split(":")[1];
    String workflowId = WorkflowIds.move(id, target);
    if (target.equals(t.databaseServerId())) {
      throw ApiException.conflict(
          "the move has swapped tenant "
              + id
              + " onto "
              + target
              + " already and cannot be cancelled: move it back instead",
          Map.of("operation", "MOVING", "workflow_id", workflowId));
    }
    try {
      workflows.cancelMove(workflowId);
    } catch (WorkflowNotFound e) {
      throw ApiException.notFound("no move of tenant " + id + " is running (" + workflowId + ")");
    }
    audit.append(
        id, actor, "tenant.move_cancel", null, "accepted", Map.of("workflow_id", workflowId));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", id);
    out.put("workflow_id", workflowId);
    out.put("status", "cancelling");
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(out);
  }

  /** Cuts a finished move's grace period short: its old database is dropped now (fresh MFA). */
  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{workflowId}/retire-now")
  ResponseEntity<Map<String, Object>> retireNow(
      @AuthenticationPrincipal Jwt jwt, @PathVariable UUID id, @PathVariable String workflowId) {
    String actor = mfa.require(jwt);
    find(id);
    WorkflowQuery.requireOwn(workflowId, WorkflowIds.movePrefix(id), "move");
    try {
      workflows.retireNow(workflowId);
    } catch (WorkflowNotFound e) {
      throw ApiException.notFound("move " + workflowId + " is not running");
    }
    audit.append(
        id, actor, "tenant.move_retire_now", null, "accepted", Map.of("workflow_id", workflowId));
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(Map.of("workflow_id", workflowId, "status", "retiring"));
  }

  private static ApiException unprocessable(String message) {
    return new ApiException(HttpStatus.valueOf(422), "invalid_target", message);
  }

  private Tenant find(UUID id) {
    return registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }
}
