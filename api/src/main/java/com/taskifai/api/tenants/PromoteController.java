package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.WorkflowQuery;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.trial.PromoteTenantRequest;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import com.taskifai.workflows.trial.PromotionProgress;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
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
  private final WorkflowClient client;
  private final ApiSettings settings;
  private final TenantOperationGate gate;

  PromoteController(
      TenantRegistry registry,
      DataSource dataSource,
      AuditLog audit,
      FreshMfa mfa,
      WorkflowClient client,
      ApiSettings settings,
      TenantOperationGate gate) {
    this.gate = gate;
    this.registry = registry;
    this.operations = new TenantOperations(dataSource);
    this.audit = audit;
    this.mfa = mfa;
    this.client = client;
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
    String workflowId = PromoteTenantWorkflow.workflowId(id);
    // Claimed here, so a second operation answers 409 at once; the workflow claims it again
    // (idempotent for the same id) and releases it when it ends.
    Optional<TenantOperations.Held> held =
        operations.current(id).or(() -> operations.claim(id, "PROMOTING", workflowId));
    if (held.isPresent()) {
      throw TenantWorkflows.busy(id, held.get());
    }
    Map<String, Object> memo = new LinkedHashMap<>(FaultInjection.memo(body.injectFault()));
    memo.put("tenant_id", id.toString());
    memo.put("subdomain", t.subdomain());
    memo.put("company_name", t.companyName());
    PromoteTenantWorkflow stub =
        client.newWorkflowStub(
            PromoteTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setMemo(memo)
                .build());
    try {
      WorkflowClient.start(stub::promote, new PromoteTenantRequest(id, t.subdomain(), actor));
    } catch (WorkflowExecutionAlreadyStarted e) {
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
    String workflowId = PromoteTenantWorkflow.workflowId(t.tenantId());
    PromoteTenantWorkflow stub = client.newWorkflowStub(PromoteTenantWorkflow.class, workflowId);
    // No promotion ran (or the workflow service does not answer): the tier alone.
    PromotionProgress progress = WorkflowQuery.answer(stub::progress).orElse(null);
    return new PromotionView(t.tenantId(), t.tier(), progress);
  }

  /** Waits for a promotion's result (tests and tools). */
  static PromotionProgress await(WorkflowClient client, UUID tenantId) {
    return WorkflowStub.fromTyped(
            client.newWorkflowStub(
                PromoteTenantWorkflow.class, PromoteTenantWorkflow.workflowId(tenantId)))
        .getResult(PromotionProgress.class);
  }
}
