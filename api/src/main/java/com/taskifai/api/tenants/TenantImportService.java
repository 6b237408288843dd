package com.taskifai.api.tenants;

import com.taskifai.activities.database.ImportStaging;
import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.WorkflowQuery;
import com.taskifai.api.temporal.ImportWorkflows;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.tenantschema.imports.ImportProblem;
import com.taskifai.workflows.imports.ImportTenantWorkflow;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Imports of a customer's data into a tenant: the tenant and the input checked (a bad file is
 * refused with its report before anything is staged), the file stored encrypted in the backup store
 * ({@link ImportStaging}) or the live source's connection string sealed in the registry ({@link
 * TenantImports}), the workflow started with the import's id only, and its progress.
 */
@Service
public class TenantImportService {
  private static final Logger log = LoggerFactory.getLogger(TenantImportService.class);
  private static final Pattern IMPORT_ID = Pattern.compile("[a-z0-9]{1,12}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

  private final TenantRegistry registry;
  private final TenantOperationGate gate;
  private final TenantImports imports;
  private final ImportStaging staging;
  private final ImportWorkflows workflows;
  private final AuditLog audit;
  private final ImportSources sources;
  private final Duration grace;

  TenantImportService(
      TenantRegistry registry,
      TenantOperationGate gate,
      TenantImports imports,
      ImportStaging staging,
      ImportWorkflows workflows,
      AuditLog audit,
      ImportSources sources,
      ApiSettings settings) {
    this.registry = registry;
    this.gate = gate;
    this.imports = imports;
    this.staging = staging;
    this.workflows = workflows;
    this.audit = audit;
    this.sources = sources;
    this.grace = settings.admin().restoreGrace();
  }

  /** What a started import answers (202). */
  public record Started(String importId, String workflowId, String statusUrl, String status) {}

  /**
   * Checks an uploaded file and stores it encrypted in the backup store ({@link ImportStaging}:
   * streamed, a custom dump never held in memory), then starts its import.
   */
  public Started importFile(
      UUID tenantId, String actor, String fileName, ImportStaging.Upload upload, String format) {
    Tenant t = importable(tenantId);
    if (upload == null || upload.size() == 0) {
      throw ApiException.badRequest(
          "send the file as the multipart part 'file' (a pg_dump, an export archive or a CSV"
              + " bundle)");
    }
    String importId = newImportId();
    String workflowId = ImportTenantWorkflow.workflowId(tenantId, importId);
    ImportStaging.Staged staged;
    try {
      staged = staging.stage(tenantId, importId, workflowId, actor, fileName, format, upload);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    } catch (ImportStaging.TooLargeToCheck e) {
      throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "too_large", e.getMessage());
    } catch (IOException e) {
      log.warn("tenant {}: import upload {} not staged: {}", tenantId, importId, e.toString());
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "unavailable",
          "the upload could not be stored (the backup store did not take it, or the upload"
              + " broke off); nothing was kept: send it again");
    }
    if (staged.refused()) {
      throw refused(staged.report());
    }
    return start(t, importId, staged.format(), actor);
  }

  /** Checks and stages a live source's connection string, then starts its import. */
  public Started importLive(UUID tenantId, String actor, String sourceUrl) {
    Tenant t = importable(tenantId);
    // Never the platform's own databases (other tenants' data), unless the operator allows it.
    sources.requireAllowed(requireSourceUrl(sourceUrl));
    String importId = newImportId();
    String workflowId = ImportTenantWorkflow.workflowId(tenantId, importId);
    imports.stageSource(tenantId, importId, workflowId, actor, sourceUrl.strip());
    return start(t, importId, "live", actor);
  }

  /** An import's progress: step, outcome, and a refused input's report. */
  public Map<String, Object> progress(UUID tenantId, String importId) {
    find(tenantId);
    if (importId == null || !IMPORT_ID.matcher(importId).matches()) {
      throw ApiException.notFound("tenant " + tenantId + " has no import " + importId);
    }
    TenantImports.Import row =
        imports
            .find(tenantId, importId)
            .orElseThrow(
                () -> ApiException.notFound("tenant " + tenantId + " has no import " + importId));
    Map<String, Object> out =
        WorkflowQuery.progressView(
            row.workflowId(),
            workflows.progress(row.workflowId()),
            (view, p) -> {
              view.put("step", p.step());
              view.put("outcome", p.outcome());
              view.put("new_database", p.newDatabase());
              view.put("retired_database", p.retiredDatabase());
              view.put("error", p.error());
              view.put("report", p.report());
            });
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tenant_id", tenantId);
    body.put("import_id", importId);
    body.put("format", row.format());
    body.putAll(out);
    return body;
  }

  private Started start(Tenant t, String importId, String format, String actor) {
    String workflowId;
    try {
      workflowId =
          workflows.startImport(
              t,
              new ImportTenantWorkflow.ImportRequest(
                  t.tenantId(), importId, format, grace.toSeconds(), actor));
    } catch (RuntimeException e) {
      try {
        staging.discard(t.tenantId(), importId);
      } catch (IOException | RuntimeException notDiscarded) {
        e.addSuppressed(notDiscarded);
      }
      throw e;
    }
    audit.append(
        t.tenantId(),
        actor,
        "tenant.import",
        null,
        "accepted",
        Map.of("workflow_id", workflowId, "import_id", importId, "format", format));
    return new Started(
        importId,
        workflowId,
        "/admin/tenants/" + t.tenantId() + "/imports/" + importId,
        "importing");
  }

  static ApiException refused(List<ImportProblem> report) {
    return new ApiException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        "import_refused",
        "the input cannot be imported: see the report (which file, line or object, and why);"
            + " nothing was changed",
        Map.of("report", report));
  }

  private static URI requireSourceUrl(String url) {
    String example = "send {\"source_url\": \"postgresql://user:password@host:5432/database\"}";
    if (url == null || url.isBlank()) {
      throw ApiException.badRequest(example);
    }
    try {
      URI uri = new URI(url.strip());
      if ((!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme()))
          || uri.getHost() == null
          || uri.getRawUserInfo() == null
          || uri.getRawPath() == null
          || uri.getRawPath().length() < 2) {
        throw ApiException.badRequest("source_url needs a user, a host and a database; " + example);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw ApiException.badRequest("source_url is not a URL; " + example);
    }
  }

  private Tenant find(UUID id) {
    return registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }

  private Tenant importable(UUID id) {
    Tenant t = find(id);
    gate.refuseKind(t, TenantOperationKind.RESTORING);
    if ((t.status() != TenantStatus.ACTIVE && t.status() != TenantStatus.SUSPENDED)
        || t.databaseName() == null) {
      throw ApiException.conflict(
          "tenant "
              + id
              + " is "
              + t.status()
              + ": only ACTIVE or SUSPENDED tenants take an import",
          Map.of("tenant_status", t.status().name()));
    }
    gate.admit(t, TenantOperationKind.RESTORING);
    return t;
  }

  private static String newImportId() {
    StringBuilder id = new StringBuilder("i");
    for (int i = 0; i < 9; i++) {
      id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }
}
