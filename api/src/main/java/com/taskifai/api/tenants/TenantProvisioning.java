package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.servers.ServerPlacement;
import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.api.tenants.TenantViews.Accepted;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.ProvisioningStarts;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.SubdomainTakenException;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Accepts a new tenant: validates the request, inserts the tenant's registry row (PROVISIONING)
 * together with a request to start its workflow ({@link ProvisioningStarts}, one statement) and
 * only then starts the provisioning workflow, whose reserve_tenant step adopts the row. From the
 * 202 on, the tenant is in the registry; a workflow that cannot be started releases the row
 * (FAILED), which frees the subdomain again. If this process dies between the insert and the start,
 * or the registry is down for the release, {@link ProvisioningStarter} starts the workflow later.
 */
@Service
class TenantProvisioning {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(TenantProvisioning.class);
  private final TenantRegistry registry;
  private final AuditLog audit;
  private final SubdomainRules rules;
  private final TenantWorkflows workflows;
  private final ApiSettings settings;
  private final DatabaseProviderChoice providers;
  private final ServerPlacement placement;
  private final ProvisioningStarts starts;

  TenantProvisioning(
      TenantRegistry registry,
      AuditLog audit,
      SubdomainRules rules,
      TenantWorkflows workflows,
      ApiSettings settings,
      DatabaseProviderChoice providers,
      ServerPlacement placement,
      ProvisioningStarts starts) {
    this.placement = placement;
    this.starts = starts;
    this.registry = registry;
    this.audit = audit;
    this.rules = rules;
    this.workflows = workflows;
    this.settings = settings;
    this.providers = providers;
  }

  Accepted create(String actor, NewTenant body) {
    if (body == null) {
      throw ApiException.badRequest(
          "send a JSON object with company_name, subdomain and admin_email");
    }
    Map<String, String> problems = body.problems(rules, settings.faultInjection());
    providers.problem(body.provider()).ifPresent(p -> problems.put("provider", p));
    ApiException.requireValid(problems);
    Optional<Tenant> holder = registry.findLiveBySubdomain(body.subdomain());
    if (holder.isPresent()) {
      throw subdomainTaken(body.subdomain(), holder.get().tenantId());
    }
    // 422 naming the region when no server has room, before any row or workflow exists.
    placement.requireRoom(body.regionOrDefault(), providers.choose(body.provider()).value());
    UUID tenantId = UUID.randomUUID();
    ProvisionTenantRequest request =
        new ProvisionTenantRequest(
            tenantId,
            body.subdomain(),
            body.normalizedCompanyName(),
            body.normalizedEmail(),
            body.regionOrDefault(),
            actor,
            settings.verificationTimeout(),
            providers.choose(body.provider()).value(),
            body.tierOrDefault());
    try {
      // The row first: the unique index on live subdomains decides a race between two requests.
      // The start request goes in with it, so a row never waits for a workflow nobody will start.
      starts.reserve(
          new TenantRegistry.Reservation(
              tenantId,
              request.subdomain(),
              request.companyName(),
              request.adminEmail(),
              request.region()),
          new ProvisioningStarts.Start(
              actor,
              request.verificationTimeout(),
              request.databaseProvider(),
              request.tier(),
              body.injectFault()));
    } catch (SubdomainTakenException taken) {
      throw subdomainTaken(body.subdomain(), taken.existingTenantId());
    }
    String workflowId;
    try {
      workflowId = workflows.startProvisioning(request, body.injectFault());
    } catch (WorkflowAlreadyRunning running) {
      // The workflow of an earlier tenant of this subdomain is still running (undoing its steps).
      release(tenantId);
      throw subdomainTaken(
          body.subdomain(), runningTenantId(WorkflowIds.provision(body.subdomain())));
    } catch (RuntimeException notStarted) {
      release(tenantId);
      throw notStarted;
    }
    forgetStart(tenantId);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("subdomain", body.subdomain());
    detail.put("company_name", request.companyName());
    detail.put("admin_email", request.adminEmail());
    detail.put("region", request.region());
    detail.put("provider", request.databaseProvider());
    detail.put("tier", body.tierOrDefault());
    detail.put("workflow_id", workflowId);
    if (body.injectFault() != null) {
      detail.put("inject_fault", body.injectFault());
    }
    audit.append(tenantId, actor, "tenant.create", null, "accepted", detail);
    return new Accepted(tenantId, workflowId, TenantStatus.PROVISIONING.name(), "provisioning");
  }

  /**
   * Frees the subdomain of a tenant whose workflow did not start, and drops its start request, in
   * one statement. When the registry does not answer, both stay: {@link ProvisioningStarter} then
   * starts the workflow (or releases the row, if another tenant's workflow holds the id).
   */
  private void release(UUID tenantId) {
    try {
      starts.release(tenantId);
    } catch (RuntimeException registryDown) {
      log.warn(
          "tenant {}: its workflow did not start and its row could not be released ({});"
              + " the provisioning starter takes it over",
          tenantId,
          registryDown.toString());
    }
  }

  /**
   * The workflow runs: its start request is done. If the registry does not take that, the starter
   * finds the running workflow of this tenant later and drops the request then.
   */
  private void forgetStart(UUID tenantId) {
    try {
      starts.started(tenantId);
    } catch (RuntimeException e) {
      // Left to ProvisioningStarter, which finds this tenant's workflow and starts none.
    }
  }

  private UUID runningTenantId(String workflowId) {
    try {
      Object id = workflows.memo(workflowId, "tenant_id");
      return id == null ? null : UUID.fromString(id.toString());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static ApiException subdomainTaken(String subdomain, UUID holder) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("tenant_id", holder == null ? null : holder.toString());
    extra.put("fields", Map.of("subdomain", "is already taken; choose another name"));
    return new ApiException(
        HttpStatus.CONFLICT,
        "subdomain_taken",
        "subdomain '" + subdomain + "' is already held by tenant " + holder,
        extra);
  }
}
