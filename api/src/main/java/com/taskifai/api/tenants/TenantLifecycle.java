package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.temporal.WorkflowNotFound;
import com.taskifai.api.tenants.TenantViews.Accepted;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantExports;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;

/**
 * State changes of an existing tenant: suspend, reactivate, admin invite, cancel and delete. Each
 * checks the tenant's status, starts its workflow and records the request in the audit log.
 */
@Service
class TenantLifecycle {
  private final TenantQueries queries;
  private final AuditLog audit;
  private final TenantWorkflows workflows;
  private final TenantOperationGate gate;
  private final TenantExports exports;
  private final Duration exportLinkTtl;

  TenantLifecycle(
      TenantQueries queries,
      AuditLog audit,
      TenantWorkflows workflows,
      TenantOperationGate gate,
      TenantExports exports,
      com.taskifai.api.ApiSettings settings) {
    this.gate = gate;
    this.exports = exports;
    this.exportLinkTtl = settings.admin().exportLinkTtl();
    this.queries = queries;
    this.audit = audit;
    this.workflows = workflows;
  }

  ResponseEntity<Accepted> suspend(String actor, UUID id) {
    Tenant t = queries.find(id);
    requireStatus(t, "suspended", TenantStatus.ACTIVE);
    String workflowId = workflows.startSuspend(t, actor);
    audit.append(id, actor, "tenant.suspend", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "suspending");
  }

  /**
   * Mails the admin of an ACTIVE tenant a new set-password link (for a link that expired or got
   * lost); every earlier link stops working.
   */
  ResponseEntity<Accepted> adminInvite(String actor, UUID id) {
    Tenant t = queries.find(id);
    requireStatus(t, "sent a new admin invite", TenantStatus.ACTIVE);
    // The invite writes a token into the tenant's database: not while a promotion, move or
    // restore could leave it behind in the old copy.
    gate.admit(t, TenantOperationKind.INVITING_ADMIN);
    String workflowId = workflows.startAdminInvite(t, actor);
    audit.append(
        id, actor, "tenant.admin_invite", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "inviting_admin");
  }

  ResponseEntity<Accepted> reactivate(String actor, UUID id) {
    Tenant t = queries.find(id);
    requireStatus(t, "reactivated", TenantStatus.SUSPENDED);
    String workflowId = workflows.startReactivate(t, actor);
    audit.append(
        id, actor, "tenant.reactivate", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, "reactivating");
  }

  ResponseEntity<Accepted> cancel(String actor, UUID id) {
    Tenant t = queries.find(id);
    requireStatus(t, "cancelled", TenantStatus.PROVISIONING, TenantStatus.AWAITING_VERIFICATION);
    return cancelProvisioning(t, actor);
  }

  ResponseEntity<Accepted> delete(
      String actor, UUID id, String skipFinalBackup, String finalExport) {
    Tenant t = queries.find(id);
    if (t.status() == TenantStatus.DELETED) {
      throw ApiException.conflict(
          "tenant " + id + " is deleted already", Map.of("tenant_status", t.status().name()));
    }
    boolean export = flag("final_export", finalExport);
    if (t.status() == TenantStatus.PROVISIONING
        || t.status() == TenantStatus.AWAITING_VERIFICATION) {
      if (export) {
        throw ApiException.conflict(
            "tenant "
                + id
                + " is "
                + t.status()
                + " and has no data to export: delete it"
                + " without final_export",
            Map.of("tenant_status", t.status().name()));
      }
      return cancelProvisioning(t, actor);
    }
    boolean skip = flag("skip_final_backup", skipFinalBackup);
    if (export) {
      requireExportable(t);
    }
    if (t.status() != TenantStatus.DELETING) {
      // An offboarding that runs already holds the tenant itself; starting it again is fine.
      gate.admit(t, TenantOperationKind.OFFBOARDING);
    }
    UUID exportId = null;
    if (export) {
      exportId = UUID.randomUUID();
      exports.requestFinal(exportId, id, actor);
    }
    String workflowId;
    try {
      workflowId =
          workflows.startOffboard(t, actor, skip, exportId, Math.max(1, exportLinkTtl.toSeconds()));
    } catch (RuntimeException e) {
      if (exportId != null) {
        exports.fail(exportId, "the offboarding could not be started; offboard again");
      }
      throw e;
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("workflow_id", workflowId);
    if (skip) {
      detail.put("skip_final_backup", "true");
    }
    if (exportId != null) {
      detail.put("final_export_id", exportId.toString());
    }
    audit.append(id, actor, "tenant.delete", null, "accepted", detail);
    return accepted(t, workflowId, "offboarding");
  }

  /**
   * A final export needs the tenant's own database, still there: not a trial (promote it first),
   * not an offboarding already under way (its database may be gone; it was asked without one).
   */
  private static void requireExportable(Tenant t) {
    if (t.isTrial()) {
      throw ApiException.conflict(
          "tenant "
              + t.tenantId()
              + " is a trial in the shared trial database: promote it"
              + " first, or delete it without final_export",
          Map.of("tier", t.tier()));
    }
    if (t.status() == TenantStatus.DELETING || t.databaseName() == null) {
      throw ApiException.conflict(
          "tenant "
              + t.tenantId()
              + " is "
              + t.status()
              + ": a final export is taken only"
              + " when offboarding starts, with the database still there; offboard again"
              + " without final_export",
          Map.of("tenant_status", t.status().name()));
    }
  }

  /** A true-or-false query parameter (absent is false); anything else is a 400. */
  private static boolean flag(String name, String value) {
    if (value == null || value.isBlank() || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw ApiException.badRequest(name + " must be true or false");
  }

  private ResponseEntity<Accepted> cancelProvisioning(Tenant t, String actor) {
    String workflowId;
    String action = "provisioning_cancelled";
    try {
      workflowId = workflows.cancelProvisioning(t);
    } catch (WorkflowNotFound gone) {
      // The provisioning workflow is lost (say, a restarted embedded server): offboard instead.
      workflowId = workflows.startOffboard(t, actor);
      action = "offboarding";
    }
    audit.append(
        t.tenantId(), actor, "tenant.cancel", null, "accepted", Map.of("workflow_id", workflowId));
    return accepted(t, workflowId, action);
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
          Map.of("tenant_status", t.status().name()));
    }
  }

  private static ResponseEntity<Accepted> accepted(Tenant t, String workflowId, String action) {
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Accepted(t.tenantId(), workflowId, t.status().name(), action));
  }
}
