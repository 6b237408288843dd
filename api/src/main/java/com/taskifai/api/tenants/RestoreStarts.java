package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperationKind;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The accept path every restore of a tenant shares (from a backup, to a point in time): the mode
 * and the typed subdomain checked, the tenant admitted for {@link TenantOperationKind#RESTORING}
 * (409 naming another operation that holds it), the workflow started under a new restore id, the
 * audit's {@code accepted} row and the 202 answer.
 */
@Component
class RestoreStarts {
  private final TenantOperationGate gate;
  private final AuditLog audit;

  RestoreStarts(TenantOperationGate gate, AuditLog audit) {
    this.gate = gate;
    this.audit = audit;
  }

  /** The request's mode, {@code replace} or {@code copy}; 400 for anything else. */
  static String mode(String mode) {
    String m = mode == null ? "" : mode;
    if (!m.equals("replace") && !m.equals("copy")) {
      throw ApiException.badRequest("mode must be replace or copy");
    }
    return m;
  }

  /** 400 unless {@code typed} is the tenant's subdomain. */
  static void confirm(Tenant tenant, String typed) {
    if (typed == null || !typed.equals(tenant.subdomain())) {
      throw ApiException.badRequest(
          "confirm_subdomain must be the tenant's subdomain, typed to confirm the restore");
    }
  }

  /**
   * Admits the restore, starts it with {@code start} (given a new restore id: {@code idPrefix} and
   * ten hex digits; answers the workflow id), audits {@code action} as accepted and answers 202.
   *
   * @param about the fields that say what is restored (backup id or moment), in the audit and the
   *     answer
   */
  ResponseEntity<Map<String, Object>> start(
      Tenant tenant,
      String actor,
      String mode,
      String action,
      Map<String, String> about,
      String idPrefix,
      Function<String, String> start) {
    gate.admit(tenant, TenantOperationKind.RESTORING);
    String restoreId = idPrefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    String workflowId = start.apply(restoreId);
    Map<String, String> detail = new LinkedHashMap<>();
    detail.put("workflow_id", workflowId);
    detail.putAll(about);
    detail.put("mode", mode);
    audit.append(tenant.tenantId(), actor, action, null, "accepted", detail);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", tenant.tenantId());
    out.putAll(about);
    out.put("workflow_id", workflowId);
    out.put("mode", mode);
    out.put("status", "restoring");
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(out);
  }
}
