package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.TemporalUnavailableException;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.PromotionWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionProgress;
import java.util.LinkedHashMap;
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
 * Promotes a trial to a database of its own ({@link PromoteTenantWorkflow}): fresh MFA, the
 * tenant's subdomain typed to confirm, audited. A tenant that is no active trial, or that another
 * operation holds, answers 409.
 */
@RestController
@RequestMapping("/admin/tenants/{id}")
class PromoteController {
  private final TenantRegistry registry;
  private final TenantOperations operations;
  private final AuditLog audit;
  private final FreshMfa mfa;
  private final PromotionWorkflows workflows;
  private final ApiSettings settings;
  private final TenantOperationGate gate;

  PromoteController(
      TenantRegistry registry,
      TenantOperations operations,
      AuditLog audit,
      FreshMfa mfa,
      PromotionWorkflows workflows,
      ApiSettings settings,
      TenantOperationGate gate) {
    this.gate = gate;
    this.registry = registry;
    this.operations = operations;
    this.audit = audit;
    this.mfa = mfa;
    this.workflows = workflows;
    this.settings = settings;
  }

  /** The body of a promotion: the subdomain typed to confirm (and a fault, in tests only). */
  record PromoteRequest(String confirmSubdomain, String injectFault) {}

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/promote")
  ResponseEntity<Map<String, Object>> promote(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestBody(required = false) PromoteRequest body) {
    String actor = mfa.require(jwt);
    if (body == null) {
      throw ApiException.badRequest("send {\"confirm_subdomain\": \"<the tenant's subdomain>\"}");
    }
    Tenant t = registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant " + id));
    if (body.confirmSubdomain() == null || !body.confirmSubdomain().equals(t.subdomain())) {
      throw ApiException.badRequest(
          "confirm_subdomain must be the tenant's subdomain, typed to confirm the promotion");
    }
    if (body.injectFault() != null
        && (!settings.faultInjection()
            || FaultInjection.Fault.parse(body.injectFault()).isEmpty())) {
      throw ApiException.badRequest(
          "inject_fault is off on this platform or names no step; remove the field");
    }
    gate.refuseKind(t, TenantOperationKind.PROMOTING);
    if (t.status() != TenantStatus.ACTIVE) {
      throw ApiException.conflict(
          "tenant " + id + " is " + t.status() + ": only an ACTIVE trial is promoted",
          Map.of("tenant_status", t.status().name()));
    }
    String workflowId = WorkflowIds.promote(id);
    // Claimed here, so a second operation answers 409 at once; the workflow claims it again
    // (idempotent for the same id) and releases it when it ends.
    Optional<TenantOperations.Held> held =
        operations.current(id).or(() -> operations.claim(id, "PROMOTING", workflowId));
    if (held.isPresent()) {
      throw TenantOperationGate.busy(id, held.get());
    }
    try {
      workflows.startPromotion(t, actor, body.injectFault());
    } catch (WorkflowAlreadyRunning e) {
      throw ApiException.conflict(
          "tenant " + id + " is being promoted already", Map.of("workflow_id", workflowId));
    } catch (RuntimeException e) {
      operations.release(id, workflowId);
      throw e;
    }
    Map<String, String> detail = new LinkedHashMap<>();
    detail.put("workflow_id", workflowId);
    if (body.injectFault() != null) {
      detail.put("inject_fault", body.injectFault());
    }
    audit.append(id, actor, "tenant.promote", null, "accepted", detail);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", id);
    out.put("workflow_id", workflowId);
    out.put("status", "promoting");
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(out);
  }

  /** The tenant's tier and the progress of its promotion, if one ran. */
  record PromotionView(UUID tenantId, String tier, PromotionProgress promotion) {}

  /** The tenant's tier and its promotion's progress (a workflow query), for the portal. */
  @GetMapping("/promotion")
  PromotionView progress(@PathVariable UUID id) {
    Tenant t = registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant " + id));
    // No promotion ran, it does not answer in time, or Temporal is down: the tier alone (the
    // tenant page shows it during an outage, as it shows the steps from the audit log).
    PromotionProgress progress;
    try {
      progress = workflows.progress(t.tenantId()).orElse(null);
    } catch (TemporalUnavailableException down) {
      progress = null;
    }
    return new PromotionView(t.tenantId(), t.tier(), progress);
  }
}
