package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.audit.AuditEntries;
import com.taskifai.api.health.SupabaseStatus;
import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.temporal.WorkflowNotFound;
import com.taskifai.api.tenants.TenantViews.TenantDetail;
import com.taskifai.api.tenants.TenantViews.TenantPage;
import com.taskifai.api.tenants.TenantViews.TenantSummary;
import com.taskifai.api.tenants.TenantViews.WorkflowRef;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Reads of the tenants API: the list, a tenant with its steps, its audit trail and workflows. */
@Service
class TenantQueries {
  private final RestorableWindows restorable;

  private final TenantRegistry registry;
  private final AuditLog audit;
  private final TenantWorkflows workflows;
  private final ApiSettings settings;
  private final ObjectMapper json;
  private final TenantProviders tenantProviders;
  private final SupabaseStatus supabase;

  TenantQueries(
      TenantRegistry registry,
      AuditLog audit,
      TenantWorkflows workflows,
      ApiSettings settings,
      ObjectMapper json,
      javax.sql.DataSource platform,
      SupabaseStatus supabase,
      RestorableWindows restorable) {
    this.registry = registry;
    this.audit = audit;
    this.workflows = workflows;
    this.settings = settings;
    this.json = json;
    this.tenantProviders = new TenantProviders(platform);
    this.supabase = supabase;
    this.restorable = restorable;
  }

  /** The tenant from the registry (the API inserts the row before it starts provisioning). */
  Tenant find(UUID id) {
    return registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }

  TenantPage list(String status, String search, int page, int size) {
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

  TenantDetail show(UUID id) {
    Tenant t = find(id);
    String workflowId = WorkflowIds.provision(t.subdomain());
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
    RestorableWindows.Window window =
        restorable.of(
            t, provider.filter(p -> p.provider() == DatabaseProvider.SUPABASE).isPresent());
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
            .orElse(null),
        TenantViews.tierOf(t),
        window.from(),
        window.to(),
        window.reason());
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

  Map<String, Object> auditOf(UUID id) {
    find(id);
    return Map.of("entries", AuditEntries.of(audit.query(AuditLog.Query.forTenant(id)), json));
  }

  /** The workflows that ran for this tenant: provisioning, offboarding and admin operations. */
  Map<String, Object> workflowsOf(UUID id) {
    Tenant t = find(id);
    return Map.of("workflows", knownWorkflows(t));
  }

  WorkflowTimeline.Timeline history(UUID id, String workflowId) {
    Tenant t = find(id);
    boolean known = knownWorkflows(t).stream().anyMatch(w -> w.workflowId().equals(workflowId));
    if (!known) {
      throw ApiException.notFound("workflow " + workflowId + " is not one of this tenant's");
    }
    try {
      return WorkflowTimeline.of(workflowId, workflows.history(workflowId));
    } catch (WorkflowNotFound gone) {
      // An answer of the server; a server that does not answer is a 503 (TenantWorkflows).
      throw ApiException.notFound(
          "Temporal has no history of " + workflowId + " (the embedded server forgets on restart)");
    }
  }

  List<WorkflowRef> knownWorkflows(Tenant t) {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(WorkflowIds.provision(t.subdomain()));
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
      refs.add(new WorkflowRef(id, kindOf(id), traceUrl(id)));
    }
    return refs;
  }

  /**
   * The trace viewer's search for the workflow's spans (Jaeger UI: the workers' service, tagged
   * with the workflow id), or null when traces are off.
   */
  String traceUrl(String workflowId) {
    if (settings.tracesUrl().isBlank()) {
      return null;
    }
    return settings.tracesUrl()
        + "/search?service="
        + queryValue(settings.tracesService())
        + "&tags="
        + queryValue(json.writeValueAsString(Map.of("workflowId", workflowId)));
  }

  private static String queryValue(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String kindOf(String workflowId) {
    return WorkflowIds.kindOf(workflowId).map(WorkflowIds.Kind::value).orElse("other");
  }
}
