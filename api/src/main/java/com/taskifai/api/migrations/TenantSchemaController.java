package com.taskifai.api.migrations;

import com.taskifai.api.ApiException;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.SchemaWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.api.tenants.TenantOperationGate;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.migration.TenantExtensionInput;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A tenant's schema: {@code GET /admin/tenants/{id}/schema} (the version the registry records and
 * the enabled extensions) and {@code POST /admin/tenants/{id}/extensions {"name": …}} (fresh MFA;
 * starts the workflow that enables a shipped extension).
 */
@RestController
class TenantSchemaController {
  private final TenantRegistry registry;
  private final AuditLog audit;
  private final SchemaWorkflows workflows;
  private final FreshMfa mfa;

  private final TenantOperationGate gate;

  TenantSchemaController(
      TenantRegistry registry,
      AuditLog audit,
      SchemaWorkflows workflows,
      FreshMfa mfa,
      TenantOperationGate gate) {
    this.gate = gate;
    this.registry = registry;
    this.audit = audit;
    this.workflows = workflows;
    this.mfa = mfa;
  }

  record Accepted(UUID tenantId, String workflowId, String extension, String action) {}

  @GetMapping("/admin/tenants/{id}/schema")
  Map<String, Object> schema(@PathVariable UUID id) {
    tenant(id);
    FleetMigrations fleet = registry.fleetMigrations();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tenant_id", id);
    body.put("schema_version", fleet.schemaVersion(id).orElse(null));
    body.put(
        "extensions",
        fleet.extensions(id).stream()
            .map(
                e -> {
                  Map<String, Object> x = new LinkedHashMap<>();
                  x.put("name", e.name());
                  x.put("version", e.version());
                  x.put("enabled_by", e.enabledBy());
                  x.put("enabled_at", e.enabledAt());
                  return x;
                })
            .toList());
    return body;
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/admin/tenants/{id}/extensions")
  ResponseEntity<Accepted> enable(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestBody(required = false) Map<String, Object> body) {
    String actor = mfa.require(jwt);
    Object given = body == null ? null : body.get("name");
    String name = given instanceof String s ? s.strip() : null;
    if (!TenantSchema.isExtensionName(name)
        || !TenantSchema.extensionShipped(TenantSchema.DEFAULT_LOCATIONS, name)) {
      throw ApiException.invalid(
          "name must be a schema extension shipped under db/tenant-extensions",
          Map.of("name", "is not a shipped schema extension"));
    }
    Tenant t = tenant(id);
    if (!FleetMigrations.MIGRATED.contains(t.status())) {
      throw ApiException.conflict(
          "tenant " + id + " is " + t.status() + ": extensions need an ACTIVE or SUSPENDED tenant",
          Map.of("tenant_status", t.status().name()));
    }
    gate.admit(t, TenantOperationKind.ENABLING_EXTENSION);
    String workflowId = WorkflowIds.enableExtension(id, name);
    try {
      workflows.startExtension(new TenantExtensionInput(id, name, actor));
    } catch (WorkflowAlreadyRunning e) {
      throw ApiException.conflict(
          "extension " + name + " is being enabled for tenant " + id,
          Map.of("workflow_id", workflowId));
    }
    audit.append(
        id,
        actor,
        "tenant.extension",
        null,
        "accepted",
        Map.of("extension", name, "workflow_id", workflowId));
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Accepted(id, workflowId, name, "enabling"));
  }

  private Tenant tenant(UUID id) {
    return registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }
}
