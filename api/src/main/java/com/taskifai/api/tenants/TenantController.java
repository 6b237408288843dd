package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.audit.AuditEntries;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.health.SupabaseStatus;
import com.taskifai.api.servers.ServerPlacement;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The tenants API: create (starts provisioning), list, show with step progress, suspend,
 * reactivate, cancel and delete. Every state change needs fresh MFA and lands in the audit log with
 * its actor.
 */
@RestController
@RequestMapping("/admin/tenants")
class TenantController {
  private final TenantRegistry registry;
  private final AuditLog audit;
  private final SubdomainRules rules;
  private final TenantWorkflows workflows;
  private final FreshMfa mfa;
  private final ApiSettings settings;
  private final ObjectMapper json;

  private final DatabaseProviderChoice providers;
  private final TenantProviders tenantProviders;
  private final SupabaseStatus supabase;
  private final ServerPlacement placement;

  TenantController(
      TenantRegistry registry,
      AuditLog audit,
      SubdomainRules rules,
      TenantWorkflows workflows,
      FreshMfa mfa,
      ApiSettings settings,
      ObjectMapper json,
      DatabaseProviderChoice providers,
      javax.sql.DataSource platform,
      SupabaseStatus supabase,
      ServerPlacement placement) {
    this.placement = placement;
    this.providers = providers;
    this.supabase = supabase;
    this.tenantProviders = new TenantProviders(platform);
    this.registry = registry;
    this.audit = audit;
    this.rules = rules;
    this.workflows = workflows;
    this.mfa = mfa;
    this.settings = settings;
    this.json = json;
  }

  record Accepted(UUID tenantId, String workflowId, String status, String action) {}

  record TenantSummary(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String status,
      String region,
      Instant createdAt,
      Instant updatedAt) {
    static TenantSummary of(Tenant t) {
      return new TenantSummary(
          t.tenantId(),
          t.subdomain(),
          t.companyName(),
          t.adminEmail(),
          t.status().name(),
          t.region(),
          t.createdAt(),
          t.updatedAt());
    }
  }

  record TenantPage(List<TenantSummary> items, int page, int size, long total) {}

  record TenantDetail(
      UUID tenantId,
      String subdomain,
      String companyName,
      String adminEmail,
      String status,
      String workflowStatus,
      boolean active,
      String region,
      String databaseName,
      String tenantUrl,
      Instant createdAt,
      Instant updatedAt,
      Instant verifiedAt,
      Instant activatedAt,
      Instant suspendedAt,
      Instant deletedAt,
      String workflowId,
      String stepsSource,
      List<TenantSteps.StepView> steps,
      String temporalUiUrl,
      String workflowService,
      String provider,
      String projectRef,
      String providerDashboardUrl,
      String providerStatus) {}

  record WorkflowRef(String workflowId, String kind) {}

  @PostMapping
  ResponseEntity<Accepted> create(
      @AuthenticationPrincipal Jwt jwt, @RequestBody(required = false) NewTenant body) {
    String actor = mfa.require(jwt);
    if (body == null) {
      throw ApiException.badRequest(
          "send a JSON object with company_name, subdomain and admin_email");
    }
    Map<String, String> problems = body.problems(rules, settings.faultInjection());
    providers.problem(body.provider()).ifPresent(p -> problems.put("provider", p));
    if (!problems.isEmpty()) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "validation_failed",
          problems.entrySet().stream()
              .map(e -> e.getKey() + " " + e.getValue())
              .collect(Collectors.joining("; ")),
          Map.of("fields", problems));
    }
    Optional<Tenant> holder = registry.findLiveBySubdomain(body.subdomain());
    if (holder.isPresent()) {
      throw subdomainTaken(body.subdomain(), holder.get().tenantId());
    }
    // 422 naming the region when no server has room, before any workflow starts.
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
    String workflowId;
    try {
      workflowId = workflows.startProvisioning(request, body.injectFault());
    } catch (WorkflowExecutionAlreadyStarted running) {
      // A request for the same subdomain won the race; its workflow has not reserved the row yet.
      String id = ProvisionTenantWorkflow.workflowId(body.subdomain());
      UUID other =
          registry.findLiveBySubdomain(body.subdomain()).map(Tenant::tenantId).orElse(null);
      if (other == null) {
        other = runningTenantId(id);
      }
      throw subdomainTaken(body.subdomain(), other);
    }
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
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Accepted(tenantId, workflowId, TenantStatus.PROVISIONING.name(), "provisioning"));
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

  @GetMapping
  TenantPage list(
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String search,
      @RequestParam(defaultValue = "0") int page,
      @RequestParam(defaultValue = "20") int size) {
    TenantStatus filter = parseStatus(status);
    if (page < 0 || page > 1_000_000) {
      throw ApiException.badRequest("page must be between 0 and 1000000");
    }
    if (size < 1 || size > 100) {
      throw ApiException.badRequest("size must be between 1 and 100");
    }
    if (search != null && search.length() > 200) {
      throw ApiException.badRequest("search must be at most 200 characters long");
    }
    String q = search == null || search.isBlank() ? null : search.strip();
    List<TenantSummary> items =
        registry.list(filter, q, page * size, size).stream().map(TenantSummary::of).toList();
    return new TenantPage(items, page, size, registry.count(filter, q));
  }

  static TenantStatus parseStatus(String status) {
    if (status == null || status.isBlank()) {
      return null;
    }
    try {
      return TenantStatus.valueOf(status.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "status '"
              + status
              + "' is unknown; use one of "
              + Arrays.stream(TenantStatus.values())
                  .map(Enum::name)
                  .collect(Collectors.joining(", ")));
    }
  }

  @GetMapping("/{id}")
  TenantDetail show(@PathVariable UUID id) {
    Tenant t = find(id);
    String workflowId = ProvisionTenantWorkflow.workflowId(t.subdomain());
    List<TenantSteps.StepView> steps = null;
    String source = "audit_log";
    String workflowStatus = null;
    String workflowService = null;
    boolean inProgress =
        t.status() == TenantStatus.PROVISIONING || t.status() == TenantStatus.AWAITING_VERIFICATION;
    if (inProgress) {
      Optional<ProvisioningProgress> progress = workflows.progress(t);
      if (progress.isPresent() && !progress.get().steps().isEmpty()) {
        steps = TenantSteps.fromProgress(progress.get());
        source = "workflow";
        workflowStatus = progress.get().status().name();
      }
      // While Temporal is down the page shows the last steps the audit log knows, and says so.
      workflowService = workflows.recentlyUnreachable() ? "unavailable" : "available";
    }
    List<AuditLog.Entry> auditRows =
        steps == null || inProgress ? audit.query(AuditLog.Query.forTenant(id)) : List.of();
    if (steps == null) {
      steps = TenantSteps.fromAudit(auditRows, json);
    }
    if (inProgress) {
      // A step whose attempts fail and are retried (say, SMTP is down) shows the last error.
      steps = TenantSteps.withRetries(steps, auditRows, json);
    }
    Optional<TenantProviders.ProviderInfo> provider = tenantProviders.find(t.tenantId());
    return new TenantDetail(
        t.tenantId(),
        t.subdomain(),
        t.companyName(),
        t.adminEmail(),
        t.status().name(),
        workflowStatus,
        t.active(),
        t.region(),
        t.databaseName(),
        tenantUrl(t.subdomain()),
        t.createdAt(),
        t.updatedAt(),
        t.verifiedAt(),
        t.activatedAt(),
        t.suspendedAt(),
        t.deletedAt(),
        workflowId,
        source,
        steps,
        temporalUiUrl(t.subdomain()),
        workflowService,
        provider.map(p -> p.provider().value()).orElse(null),
        provider.map(TenantProviders.ProviderInfo::projectRef).orElse(null),
        provider.map(p -> DatabaseProviderChoice.dashboardUrl(p.projectRef())).orElse(null),
        provider
            .filter(p -> p.provider() == DatabaseProvider.SUPABASE && p.projectRef() != null)
            .map(p -> supabase.projectStatus(p.projectRef()))
            .orElse(null));
  }

  private String tenantUrl(String subdomain) {
    String router = settings.routerUrl();
    int scheme = router.indexOf("://");
    if (scheme < 0) {
      return null;
    }
    String rest = router.substring(scheme + 3);
    int colon = rest.indexOf(':');
    String port = colon >= 0 ? rest.substring(colon) : "";
    return router.substring(0, scheme + 3) + subdomain + "." + settings.baseDomain() + port;
  }

  private String temporalUiUrl(String subdomain) {
    if (settings.temporalUiUrl().isBlank()) {
      return null;
    }
    return settings.temporalUiUrl()
        + "/namespaces/"
        + settings.temporalNamespace()
        + "/workflows?query="
        + URLEncoder.encode("Subdomain=\"" + subdomain + "\"", StandardCharsets.UTF_8)
            .replace("+", "%20");
  }

  @PostMapping("/{id}/suspend")
  ResponseEntity<Accepted> suspend(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    requireStatus(t, "suspended", TenantStatus.ACTIVE);
    String workflowId = workflows.startSuspend(t, actor);
    audit.append(id, actor, "tenant.suspend", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "suspending");
  }

  /**
   * Mails the admin of an ACTIVE tenant a new set-password link (for a link that expired or got
   * lost); every earlier link stops working.
   */
  @PostMapping("/{id}/admin-invite")
  ResponseEntity<Accepted> adminInvite(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    requireStatus(t, "sent a new admin invite", TenantStatus.ACTIVE);
    String workflowId = workflows.startAdminInvite(t, actor);
    audit.append(
        id, actor, "tenant.admin_invite", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "inviting_admin");
  }

  @PostMapping("/{id}/reactivate")
  ResponseEntity<Accepted> reactivate(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    requireStatus(t, "reactivated", TenantStatus.SUSPENDED);
    String workflowId = workflows.startReactivate(t, actor);
    audit.append(
        id, actor, "tenant.reactivate", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "reactivating");
  }

  @PostMapping("/{id}/cancel")
  ResponseEntity<Accepted> cancel(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    requireStatus(t, "cancelled", TenantStatus.PROVISIONING, TenantStatus.AWAITING_VERIFICATION);
    return cancelProvisioning(t, actor);
  }

  @DeleteMapping("/{id}")
  ResponseEntity<Accepted> delete(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestParam(name = "skip_final_backup", required = false) String skipFinalBackup) {
    String actor = mfa.require(jwt);
    Tenant t = find(id);
    if (t.status() == TenantStatus.DELETED) {
      throw ApiException.conflict(
          "tenant " + id + " is deleted already", Map.of("status", t.status().name()));
    }
    if (t.status() == TenantStatus.PROVISIONING
        || t.status() == TenantStatus.AWAITING_VERIFICATION) {
      return cancelProvisioning(t, actor);
    }
    boolean skip = skipFinalBackup(skipFinalBackup);
    String workflowId = workflows.startOffboard(t, actor, skip);
    audit.append(
        id,
        actor,
        "tenant.delete",
        null,
        "accepted",
        skip
            ? Map.of("workflow_id", workflowId, "skip_final_backup", "true")
            : Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "offboarding");
  }

  /** {@code skip_final_backup}: true or false (absent is false); anything else is a 400. */
  private static boolean skipFinalBackup(String value) {
    if (value == null || value.isBlank() || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw ApiException.badRequest("skip_final_backup must be true or false");
  }

  private ResponseEntity<Accepted> cancelProvisioning(Tenant t, String actor) {
    String workflowId;
    String action = "provisioning_cancelled";
    try {
      workflowId = workflows.cancelProvisioning(t);
    } catch (WorkflowNotFoundException gone) {
      // The provisioning workflow is lost (say, a restarted embedded server): offboard instead.
      workflowId = workflows.startOffboard(t, actor);
      action = "offboarding";
    }
    audit.append(
        t.tenantId(), actor, "tenant.cancel", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, action);
  }

  @GetMapping("/{id}/audit")
  Map<String, Object> audit(@PathVariable UUID id) {
    find(id);
    return Map.of("entries", AuditEntries.of(audit.query(AuditLog.Query.forTenant(id)), json));
  }

  /** The workflows that ran for this tenant: provisioning, offboarding and admin operations. */
  @GetMapping("/{id}/workflows")
  Map<String, Object> workflowsOf(@PathVariable UUID id) {
    Tenant t = find(id);
    return Map.of("workflows", knownWorkflows(t));
  }

  @GetMapping("/{id}/workflows/{workflowId}/history")
  WorkflowTimeline.Timeline history(@PathVariable UUID id, @PathVariable String workflowId) {
    Tenant t = find(id);
    boolean known = knownWorkflows(t).stream().anyMatch(w -> w.workflowId().equals(workflowId));
    if (!known) {
      throw ApiException.notFound("workflow " + workflowId + " is not one of this tenant's");
    }
    try {
      return WorkflowTimeline.of(workflowId, workflows.history(workflowId));
    } catch (WorkflowNotFoundException | io.grpc.StatusRuntimeException gone) {
      // An answer of the server; a server that does not answer is a 503 (TenantWorkflows).
      throw ApiException.notFound(
          "Temporal has no history of " + workflowId + " (the embedded server forgets on restart)");
    }
  }

  private List<WorkflowRef> knownWorkflows(Tenant t) {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(ProvisionTenantWorkflow.workflowId(t.subdomain()));
    for (AuditLog.Entry e : audit.query(AuditLog.Query.forTenant(t.tenantId()))) {
      if (e.detailJson() != null && e.detailJson().contains("workflow_id")) {
        try {
          JsonNode id = json.readTree(e.detailJson()).get("workflow_id");
          if (id != null && id.isString()) {
            ids.add(id.asString());
          }
        } catch (RuntimeException ignored) {
          // Not JSON: no workflow id in it.
        }
      }
    }
    List<WorkflowRef> refs = new ArrayList<>();
    for (String id : ids) {
      refs.add(new WorkflowRef(id, kindOf(id)));
    }
    return refs;
  }

  private static String kindOf(String workflowId) {
    return WorkflowIds.kindOf(workflowId).map(WorkflowIds.Kind::value).orElse("other");
  }

  /**
   * The tenant from the registry or, in the moment between the 202 and the workflow's
   * reserve_tenant step, as the accepted request recorded it (status PROVISIONING).
   */
  private Tenant find(UUID id) {
    return registry
        .findById(id)
        .or(() -> requested(id))
        .orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }

  private Optional<Tenant> requested(UUID id) {
    for (AuditLog.Entry e : audit.query(AuditLog.Query.forTenant(id))) {
      if (!"tenant.create".equals(e.action()) || e.detailJson() == null) {
        continue;
      }
      JsonNode d = json.readTree(e.detailJson());
      return Optional.of(
          new Tenant(
              id,
              text(d, "subdomain"),
              text(d, "company_name"),
              text(d, "admin_email"),
              TenantStatus.PROVISIONING,
              false,
              text(d, "region"),
              null,
              null,
              null,
              null,
              "{}",
              e.at(),
              e.at(),
              null,
              null,
              null,
              null));
    }
    return Optional.empty();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }

  private static void requireStatus(Tenant t, String verb, TenantStatus... allowed) {
    if (!Arrays.asList(allowed).contains(t.status())) {
      throw ApiException.conflict(
          "only a tenant in "
              + Arrays.stream(allowed).map(Enum::name).collect(Collectors.joining(" or "))
              + " can be "
              + verb
              + "; tenant "
              + t.tenantId()
              + " is "
              + t.status(),
          Map.of("status", t.status().name()));
    }
  }

  private static ResponseEntity<Accepted> accepted(Tenant t, String workflowId, String action) {
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Accepted(t.tenantId(), workflowId, t.status().name(), action));
  }
}
