package com.taskifai.api.tenants;

import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.temporal.ExportWorkflows;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.ExportLinks;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.export.ExportTenantWorkflow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.ObjectMapper;

/**
 * A tenant's exports for the admin API: request one (a registry row, then the workflow), list and
 * show them (status, step, manifest summary, the download link while it works), issue a fresh link,
 * and the download itself, which uses the link once and streams the decrypted ZIP.
 */
@Service
class TenantExportService {
  private static final Logger log = LoggerFactory.getLogger(TenantExportService.class);

  private final TenantRegistry registry;
  private final TenantExports exports;
  private final ExportWorkflows workflows;
  private final ExportLinks links;
  private final CredentialCipher cipher;
  private final BackupStore store;
  private final AuditLog audit;
  private final ObjectMapper json;
  private final Clock clock;
  private final Duration linkTtl;

  TenantExportService(
      TenantRegistry registry,
      TenantExports exports,
      ExportWorkflows workflows,
      ExportLinks links,
      CredentialCipher cipher,
      BackupStore store,
      AuditLog audit,
      ObjectMapper json,
      Clock clock,
      ApiSettings settings) {
    this.registry = registry;
    this.exports = exports;
    this.workflows = workflows;
    this.links = links;
    this.cipher = cipher;
    this.store = store;
    this.audit = audit;
    this.json = json;
    this.clock = clock;
    this.linkTtl = settings.admin().exportLinkTtl();
  }

  /** Records the export and starts its workflow; the answer of a 202. */
  Map<String, Object> request(UUID tenantId, String actor) {
    Tenant t = exportable(tenantId);
    UUID exportId = UUID.randomUUID();
    exports.request(exportId, tenantId, actor);
    String workflowId;
    try {
      workflowId =
          workflows.startExport(
              t,
              new ExportTenantWorkflow.ExportRequest(
                  tenantId, exportId, actor, Math.max(1, linkTtl.toSeconds())));
    } catch (RuntimeException e) {
      // No workflow will ever run it: the row says so instead of staying REQUESTED.
      exports.fail(exportId, "the export workflow could not be started; request a new export");
      throw e;
    }
    audit.append(
        tenantId,
        actor,
        "tenant.export",
        null,
        "accepted",
        Map.of("workflow_id", workflowId, "export_id", exportId.toString()));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", tenantId);
    out.put("export_id", exportId);
    out.put("workflow_id", workflowId);
    out.put("status", "requested");
    out.put("status_url", statusPath(tenantId, exportId));
    return out;
  }

  List<Map<String, Object>> list(UUID tenantId) {
    find(tenantId);
    return exports.forTenant(tenantId).stream().map(e -> view(e, false)).toList();
  }

  Map<String, Object> show(UUID tenantId, UUID exportId) {
    find(tenantId);
    return view(own(tenantId, exportId), true);
  }

  /** A fresh link for a READY export: the previous one stops working. */
  Map<String, Object> newLink(UUID tenantId, UUID exportId, String actor) {
    find(tenantId);
    TenantExports.Export e = own(tenantId, exportId);
    refuseDeleted(tenantId, e);
    if (!e.ready()) {
      throw ApiException.conflict(
          "export " + exportId + " is " + e.status() + ": only a READY export has a link",
          Map.of("export_status", e.status()));
    }
    int version = e.linkVersion() + 1;
    Instant expires = clock.instant().plus(linkTtl).truncatedTo(ChronoUnit.SECONDS);
    String token = links.issue(exportId, version, expires);
    if (!exports.issueLink(exportId, version, ExportLinks.hash(token), expires)) {
      throw ApiException.conflict(
          "another link for export " + exportId + " was issued at the same time; ask again",
          Map.of());
    }
    audit.append(
        tenantId,
        actor,
        "tenant.export_link",
        null,
        "issued",
        Map.of("export_id", exportId.toString(), "expires_at", expires.toString()));
    return show(tenantId, exportId);
  }

  /** A download the link allows: its file name and the ZIP's bytes as they stream. */
  record Download(String fileName, long size, StreamBody body) {}

  /** Writes the plain archive to the response. */
  interface StreamBody {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Uses the link (once) and opens the archive; 410 when the link is used, expired or replaced. */
  Download download(UUID tenantId, UUID exportId, String token) {
    Tenant t = find(tenantId);
    if (token == null || token.isBlank()) {
      throw ApiException.badRequest(
          "the download needs its link's token (?token=...): take download_url from GET "
              + statusPath(tenantId, exportId));
    }
    TenantExports.Export e = own(tenantId, exportId);
    refuseDeleted(tenantId, e);
    if (!e.ready()) {
      throw ApiException.conflict(
          "export " + exportId + " is " + e.status() + ": wait until it is READY",
          Map.of("export_status", e.status()));
    }
    requireStored(e);
    TenantExports.Claim claim =
        exports.claimDownload(tenantId, exportId, ExportLinks.hash(token.strip()), clock.instant());
    if (claim != TenantExports.Claim.CLAIMED) {
      String why =
          switch (claim) {
            case USED -> "was used already (a link works once)";
            case EXPIRED -> "has expired";
            default -> "is not this export's current link";
          };
      throw new ApiException(
          HttpStatus.GONE,
          "link_gone",
          "this download link "
              + why
              + ": request a new link with POST "
              + statusPath(tenantId, exportId)
              + "/link");
    }
    byte[] dataKey = BackupCipher.unwrap(cipher, exportId, e.dataKey());
    audit.append(
        tenantId,
        "link",
        "tenant.export_download",
        null,
        "started",
        Map.of("export_id", exportId.toString()));
    String fileName = "taskifai-export-" + t.subdomain() + "-" + exportId + ".zip";
    return new Download(
        fileName,
        e.archiveBytes() == null ? -1 : e.archiveBytes(),
        out -> {
          try (InputStream plain =
              BackupCipher.decrypting(store.get(e.objectKey()), dataKey, exportId)) {
            plain.transferTo(out);
          } catch (IOException failure) {
            log.warn("tenant {}: export {} download broke off", tenantId, exportId);
            throw failure;
          }
        });
  }

  /**
   * 503 before the link is used when the archive is not in the store this API reads (its store
   * settings are not the worker's): the answer would otherwise be a 200 that breaks off after the
   * headers, with the one-use link spent.
   */
  private void requireStored(TenantExports.Export e) {
    boolean stored;
    try {
      stored = e.objectKey() != null && store.exists(e.objectKey());
    } catch (IOException failure) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "store_unavailable",
          "the backup store "
              + store.kind()
              + " did not answer: "
              + failure.getMessage()
              + "; the link was not used, try again");
    }
    if (!stored) {
      log.error(
          "tenant {}: export {} is READY but its archive is not in the backup store {} this API"
              + " reads: TASKIFAI_BACKUP_STORE, TASKIFAI_BACKUP_DIR or the S3 settings differ from"
              + " the worker's",
          e.tenantId(),
          e.exportId(),
          store.kind());
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "export_not_in_store",
          "the archive of export "
              + e.exportId()
              + " is not in the backup store this admin API reads (its TASKIFAI_BACKUP_STORE,"
              + " TASKIFAI_BACKUP_DIR or S3 settings must be the worker's); the link was not used:"
              + " try again once the operator fixed it");
    }
  }

  /**
   * 410 for an export retention deleted: its archive is gone from the store, no link brings it
   * back.
   */
  private static void refuseDeleted(UUID tenantId, TenantExports.Export e) {
    if (!e.deleted()) {
      return;
    }
    throw new ApiException(
        HttpStatus.GONE,
        "export_deleted",
        "export "
            + e.exportId()
            + " was deleted"
            + (e.deletedAt() == null ? "" : " on " + e.deletedAt())
            + " by retention (kept "
            + (e.finalCopy()
                ? "TASKIFAI_EXPORT_FINAL_RETENTION after it was written, as the final copy, and "
                : "")
            + "TASKIFAI_EXPORT_RETENTION_GRACE after its link expired): its archive is no longer"
            + " stored; request a new export with POST /admin/tenants/"
            + tenantId
            + "/exports (an ACTIVE or SUSPENDED tenant only)",
        Map.of("export_status", e.status()));
  }

  private Map<String, Object> view(TenantExports.Export e, boolean withStep) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("export_id", e.exportId());
    out.put("status", e.status());
    String workflowId = WorkflowIds.export(e.tenantId(), e.exportId());
    out.put("workflow_id", workflowId);
    out.put("requested_by", e.requestedBy());
    out.put("created_at", e.createdAt());
    out.put("finished_at", e.finishedAt());
    out.put("archive_bytes", e.archiveBytes());
    out.put("sha256", e.sha256());
    out.put("manifest", e.manifest() == null ? null : json.readTree(e.manifest()));
    out.put("error", e.error());
    out.put("expires_at", e.expiresAt());
    out.put("downloaded_at", e.downloadedAt());
    out.put("final_copy", e.finalCopy());
    out.put("deleted_at", e.deletedAt());
    if (withStep) {
      boolean running = "REQUESTED".equals(e.status()) || "RUNNING".equals(e.status());
      out.put(
          "step",
          running
              ? workflows.progress(workflowId).map(p -> p.step()).orElse("unknown")
              : e.ready() ? "done" : null);
    }
    out.put("download_url", downloadUrl(e).orElse(null));
    return out;
  }

  /** The link while it works: READY, not used, not expired, and made with a key of the ring. */
  private Optional<String> downloadUrl(TenantExports.Export e) {
    if (!e.ready()
        || e.downloadedAt() != null
        || e.expiresAt() == null
        || !e.expiresAt().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return links
        .current(e.exportId(), e.linkVersion(), e.expiresAt(), e.tokenHash())
        .map(token -> statusPath(e.tenantId(), e.exportId()) + "/download?token=" + token);
  }

  private static String statusPath(UUID tenantId, UUID exportId) {
    return "/admin/tenants/" + tenantId + "/exports/" + exportId;
  }

  private Tenant find(UUID id) {
    return registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
  }

  private TenantExports.Export own(UUID tenantId, UUID exportId) {
    return exports
        .find(exportId)
        .filter(e -> e.tenantId().equals(tenantId))
        .orElseThrow(
            () -> ApiException.notFound("tenant " + tenantId + " has no export " + exportId));
  }

  private Tenant exportable(UUID id) {
    Tenant t = find(id);
    if (t.isTrial()) {
      throw ApiException.conflict(
          "tenant " + id + " is a trial in the shared trial database: promote it first",
          Map.of("tier", t.tier()));
    }
    if ((t.status() != TenantStatus.ACTIVE && t.status() != TenantStatus.SUSPENDED)
        || t.databaseName() == null) {
      throw ApiException.conflict(
          "tenant " + id + " is " + t.status() + ": only ACTIVE or SUSPENDED tenants can export",
          Map.of("tenant_status", t.status().name()));
    }
    return t;
  }
}
