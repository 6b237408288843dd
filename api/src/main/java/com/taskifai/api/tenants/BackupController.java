package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.WorkflowQuery;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.BackupWorkflows;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Backups;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A tenant's backups: back up now, list, restore (replace or copy), delete. Every change needs
 * fresh MFA and is audited; a restore also needs the tenant's subdomain typed to confirm. A tenant
 * busy with another operation answers 409 naming it.
 */
@RestController
@RequestMapping("/admin/tenants/{id}/backups")
class BackupController {
  private final TenantRegistry registry;
  private final Backups backups;
  private final TenantOperations operations;
  private final AuditLog audit;
  private final FreshMfa mfa;
  private final BackupWorkflows workflows;
  private final Duration restoreGrace;
  private final com.taskifai.api.metrics.BackupHealth health;
  private final RestoreStarts restores;

  BackupController(
      TenantRegistry registry,
      Backups backups,
      TenantOperations operations,
      AuditLog audit,
      FreshMfa mfa,
      BackupWorkflows workflows,
      ApiSettings settings,
      com.taskifai.api.metrics.BackupHealth health,
      RestoreStarts restores) {
    this.registry = registry;
    this.backups = backups;
    this.operations = operations;
    this.audit = audit;
    this.mfa = mfa;
    this.workflows = workflows;
    this.restoreGrace = settings.admin().restoreGrace();
    this.health = health;
    this.restores = restores;
  }

  record BackupView(
      UUID backupId,
      String status,
      String trigger,
      Instant startedAt,
      Instant finishedAt,
      Long sizeBytes,
      String sha256,
      String checksumState,
      String schemaVersion,
      String serverVersion,
      String store,
      String error) {
    static BackupView of(Backups.Backup b) {
      return new BackupView(
          b.backupId(),
          b.status(),
          b.trigger(),
          b.startedAt(),
          b.finishedAt(),
          b.sizeBytes(),
          b.sha256(),
          b.sha256() == null ? "none" : "recorded",
          b.schemaVersion(),
          b.serverVersion(),
          b.store(),
          b.error());
    }
  }

  record Started(UUID tenantId, UUID backupId, String workflowId, String status) {}

  record RestoreRequest(String mode, String confirmSubdomain) {}

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Started> backupNow(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    Tenant t = backupable(id);
    requireIdle(t);
    UUID backupId = UUID.randomUUID();
    String workflowId = workflows.startBackup(t, backupId, "manual", actor);
    audit.append(
        id,
        actor,
        "tenant.backup",
        null,
        "accepted",
        Map.of("workflow_id", workflowId, "backup_id", backupId.toString()));
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Started(id, backupId, workflowId, "backing_up"));
  }

  @GetMapping
  Map<String, Object> list(@PathVariable UUID id) {
    Tenant t = find(id);
    List<BackupView> views = new ArrayList<>();
    for (Backups.Backup b : backups.forTenant(id)) {
      views.add(BackupView.of(b));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", t.tenantId());
    out.put("operation", operations.current(id).map(TenantOperations.Held::operation).orElse(null));
    var check = health.result();
    out.put("backups_enabled", check.enabled());
    out.put("backups_detail", check.detail());
    out.put("backups", views);
    return out;
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{backupId}/restore")
  ResponseEntity<Map<String, Object>> restore(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @PathVariable UUID backupId,
      @RequestBody(required = false) RestoreRequest body) {
    String actor = mfa.require(jwt);
    if (body == null) {
      throw ApiException.badRequest("send {\"mode\": \"replace\"|\"copy\", \"confirm_subdomain\"}");
    }
    String mode = RestoreStarts.mode(body.mode());
    Tenant t = backupable(id);
    RestoreStarts.confirm(t, body.confirmSubdomain());
    Backups.Backup b =
        backups
            .find(backupId)
            .filter(x -> x.tenantId().equals(id))
            .orElseThrow(
                () -> ApiException.notFound("tenant " + id + " has no backup " + backupId));
    if (!b.good()) {
      throw ApiException.conflict(
          "backup " + backupId + " is " + b.status() + ", not a good backup",
          Map.of("backup_status", b.status()));
    }
    return restores.start(
        t,
        actor,
        mode,
        "tenant.restore",
        Map.of("backup_id", backupId.toString()),
        "",
        restoreId ->
            workflows.startRestore(
                t,
                new RestoreTenantWorkflow.RestoreRequest(
                    id, backupId, restoreId, mode, restoreGrace.toSeconds(), actor)));
  }

  /** Progress of a restore (a workflow query), for the portal. */
  @GetMapping("/restores/{workflowId}")
  Map<String, Object> restoreProgress(@PathVariable UUID id, @PathVariable String workflowId) {
    find(id);
    WorkflowQuery.requireOwn(workflowId, WorkflowIds.restorePrefix(id), "restore");
    return WorkflowQuery.progressView(
        workflowId,
        workflows.restoreProgress(workflowId),
        (out, p) -> {
          out.put("step", p.step());
          out.put("outcome", p.outcome());
          out.put("new_database", p.newDatabase());
          out.put("retired_database", p.retiredDatabase());
          out.put("error", p.error());
        });
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @DeleteMapping("/{backupId}")
  ResponseEntity<Started> delete(
      @AuthenticationPrincipal Jwt jwt, @PathVariable UUID id, @PathVariable UUID backupId) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    Backups.Backup b =
        backups
            .find(backupId)
            .filter(x -> x.tenantId().equals(id) && !"DELETED".equals(x.status()))
            .orElseThrow(
                () -> ApiException.notFound("tenant " + id + " has no backup " + backupId));
    if ("RUNNING".equals(b.status())) {
      throw ApiException.conflict("backup " + backupId + " is still running", Map.of());
    }
    String workflowId = workflows.startDelete(t, backupId, actor);
    audit.append(
        id,
        actor,
        "tenant.backup_delete",
        null,
        "accepted",
        Map.of("workflow_id", workflowId, "backup_id", backupId.toString()));
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Started(id, backupId, workflowId, "deleting"));
  }

  private Tenant find(UUID id) {
    return registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }

  private Tenant backupable(UUID id) {
    Tenant t = find(id);
    if (t.isTrial()) {
      throw ApiException.conflict(
          "tenant " + id + " is a trial in the shared trial database: promote it first",
          Map.of("tier", t.tier()));
    }
    if ((t.status() != TenantStatus.ACTIVE && t.status() != TenantStatus.SUSPENDED)
        || t.databaseName() == null) {
      throw ApiException.conflict(
          "tenant " + id + " is " + t.status() + ": only ACTIVE or SUSPENDED tenants have backups",
          Map.of("tenant_status", t.status().name()));
    }
    return t;
  }

  private void requireIdle(Tenant t) {
    Optional<TenantOperations.Held> held = operations.current(t.tenantId());
    if (held.isPresent()) {
      throw TenantOperationGate.busy(t.tenantId(), held.get());
    }
  }
}
