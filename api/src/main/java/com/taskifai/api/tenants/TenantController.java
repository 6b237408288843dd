package com.taskifai.api.tenants;

import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.tenants.TenantViews.Accepted;
import com.taskifai.api.tenants.TenantViews.TenantDetail;
import com.taskifai.api.tenants.TenantViews.TenantPage;
import java.util.Map;
import java.util.UUID;
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
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The tenants API: create (starts provisioning), list, show with step progress, suspend,
 * reactivate, cancel and delete. Every state change needs fresh MFA and lands in the audit log with
 * its actor. The work is done by {@link TenantProvisioning}, {@link TenantQueries} and {@link
 * TenantLifecycle}.
 */
@RestController
@RequestMapping("/admin/tenants")
class TenantController {
  private final FreshMfa mfa;
  private final TenantProvisioning provisioning;
  private final TenantQueries queries;
  private final TenantLifecycle lifecycle;

  TenantController(
      FreshMfa mfa,
      TenantProvisioning provisioning,
      TenantQueries queries,
      TenantLifecycle lifecycle) {
    this.mfa = mfa;
    this.provisioning = provisioning;
    this.queries = queries;
    this.lifecycle = lifecycle;
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Accepted> create(
      @AuthenticationPrincipal Jwt jwt, @RequestBody(required = false) NewTenant body) {
    String actor = mfa.require(jwt);
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(provisioning.create(actor, body));
  }

  @GetMapping
  TenantPage list(
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String search,
      @RequestParam(defaultValue = "0") int page,
      @RequestParam(defaultValue = "20") int size) {
    return queries.list(status, search, page, size);
  }

  @GetMapping("/{id}")
  TenantDetail show(@PathVariable UUID id) {
    return queries.show(id);
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/suspend")
  ResponseEntity<Accepted> suspend(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    return lifecycle.suspend(mfa.require(jwt), id);
  }

  /**
   * Mails the admin of an ACTIVE tenant a new set-password link (for a link that expired or got
   * lost); every earlier link stops working.
   */
  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/admin-invite")
  ResponseEntity<Accepted> adminInvite(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    return lifecycle.adminInvite(mfa.require(jwt), id);
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/reactivate")
  ResponseEntity<Accepted> reactivate(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    return lifecycle.reactivate(mfa.require(jwt), id);
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/cancel")
  ResponseEntity<Accepted> cancel(@AuthenticationPrincipal Jwt jwt, @PathVariable UUID id) {
    return lifecycle.cancel(mfa.require(jwt), id);
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @DeleteMapping("/{id}")
  ResponseEntity<Accepted> delete(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestParam(name = "skip_final_backup", required = false) String skipFinalBackup,
      @RequestParam(name = "final_export", required = false) String finalExport) {
    return lifecycle.delete(mfa.require(jwt), id, skipFinalBackup, finalExport);
  }

  @GetMapping("/{id}/audit")
  Map<String, Object> audit(@PathVariable UUID id) {
    return queries.auditOf(id);
  }

  /** The workflows that ran for this tenant: provisioning, offboarding and admin operations. */
  @GetMapping("/{id}/workflows")
  Map<String, Object> workflowsOf(@PathVariable UUID id) {
    return queries.workflowsOf(id);
  }

  @GetMapping("/{id}/workflows/{workflowId}/history")
  WorkflowTimeline.Timeline history(@PathVariable UUID id, @PathVariable String workflowId) {
    return queries.history(id, workflowId);
  }
}
