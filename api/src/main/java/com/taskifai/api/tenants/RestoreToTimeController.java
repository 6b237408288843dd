package com.taskifai.api.tenants;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.WorkflowQuery;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.BackupWorkflows;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.pitr.RestoreToTimeWorkflow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
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
import org.springframework.web.bind.annotation.RestController;

/**
 * A tenant's restore to a point in time: {@code POST} starts one (fresh MFA, the subdomain typed to
 * confirm, a moment inside the tenant's restorable range), {@code GET .../{workflowId}} reads its
 * progress. A trial is refused with what to do instead (422); a Supabase tenant goes through
 * Supabase's own point-in-time recovery (replace only); a server that does not archive its WAL
 * answers 409 naming what to configure, and so does a moment at which the tenant's database lived
 * on another server.
 */
@RestController
@RequestMapping("/admin/tenants/{id}/restore-to-time")
class RestoreToTimeController {
  private final TenantRegistry registry;
  private final RestoreStarts restores;
  private final TenantProviders providers;
  private final RestorableWindows windows;
  private final FreshMfa mfa;
  private final BackupWorkflows workflows;
  private final Duration restoreGrace;

  RestoreToTimeController(
      TenantRegistry registry,
      RestoreStarts restores,
      TenantProviders providers,
      RestorableWindows windows,
      FreshMfa mfa,
      BackupWorkflows workflows,
      ApiSettings settings) {
    this.registry = registry;
    this.restores = restores;
    this.providers = providers;
    this.windows = windows;
    this.mfa = mfa;
    this.workflows = workflows;
    this.restoreGrace = settings.admin().restoreGrace();
  }

  record RestoreToTimeRequest(String at, String mode, String confirmSubdomain) {}

  @PostMapping
  ResponseEntity<Map<String, Object>> restoreToTime(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable UUID id,
      @RequestBody(required = false) RestoreToTimeRequest body) {
    String actor = mfa.require(jwt);
    if (body == null) {
      throw ApiException.badRequest(
          "send {\"at\": \"<ISO-8601 instant>\", \"mode\": \"replace\"|\"copy\","
              + " \"confirm_subdomain\"}");
    }
    String mode = RestoreStarts.mode(body.mode());
    Instant at = parseAt(body.at());
    Tenant t =
        registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
    boolean supabase =
        providers.find(id).filter(p -> p.provider() == DatabaseProvider.SUPABASE).isPresent();
    if (t.isTrial()) {
      throw unprocessable(
          "tenant "
              + id
              + " is a trial: its rows live in the shared trial database, which is not restored"
              + " per tenant; promote it first");
    }
    if (supabase && mode.equals("copy")) {
      throw unprocessable(
          "tenant "
              + id
              + " is hosted by Supabase, whose point-in-time recovery restores the project in"
              + " place: a copy beside it is not offered; ask for mode replace, or restore one of"
              + " its backups as a copy (POST /admin/tenants/"
              + id
              + "/backups/{backup_id}/restore)");
    }
    if ((t.status() != TenantStatus.ACTIVE && t.status() != TenantStatus.SUSPENDED)
        || t.databaseName() == null) {
      throw ApiException.conflict(
          "tenant " + id + " is " + t.status() + ": only ACTIVE or SUSPENDED tenants are restored",
          Map.of("tenant_status", t.status().name()));
    }
    RestoreStarts.confirm(t, body.confirmSubdomain());
    if (supabase) {
      return restoreByProvider(t, actor, mode, at);
    }
    RestorableWindows.Window window = windows.of(t, false);
    if (window.reason() != null) {
      throw ApiException.conflict(
          "tenant " + id + " cannot be restored to a time: " + window.reason(),
          Map.of("restorable_reason", window.reason()));
    }
    windows
        .movedAwayAt(t, at)
        .ifPresent(
            reason -> {
              throw ApiException.conflict(reason, Map.of("restorable_reason", "database_moved"));
            });
    if (at.isBefore(window.from()) || at.isAfter(window.to())) {
      String why =
          at.isAfter(Clock.systemUTC().instant())
              ? "is in the future"
              : at.isBefore(window.from())
                  ? "is before the restorable range"
                  : "is after the newest archived WAL";
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          "outside_restorable_range",
          "at "
              + at
              + " "
              + why
              + ": tenant "
              + id
              + " can be restored to a moment from "
              + window.from()
              + " to "
              + window.to(),
          Map.of(
              "restorable_from",
              window.from().toString(),
              "restorable_to",
              window.to().toString()));
    }
    return restores.start(
        t,
        actor,
        mode,
        "tenant.restore_to_time",
        Map.of("at", at.toString()),
        "p",
        restoreId ->
            workflows.startRestoreToTime(
                t,
                new RestoreToTimeWorkflow.RestoreToTimeRequest(
                    id, restoreId, at, mode, restoreGrace.toSeconds(), actor)));
  }

  /**
   * A Supabase tenant's restore to a time: Supabase's own point-in-time recovery restores its
   * project in place (the workflow checks that the project has it and that {@code at} is inside its
   * range, which only Supabase knows).
   */
  private ResponseEntity<Map<String, Object>> restoreByProvider(
      Tenant t, String actor, String mode, Instant at) {
    Instant now = Clock.systemUTC().instant();
    if (at.isAfter(now) || at.isBefore(t.createdAt())) {
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          "outside_restorable_range",
          "at "
              + at
              + (at.isAfter(now) ? " is in the future" : " is before the tenant was created")
              + ": tenant "
              + t.tenantId()
              + " can be restored to a moment from "
              + t.createdAt()
              + " to now, inside its Supabase project's point-in-time range",
          Map.of("restorable_from", t.createdAt().toString(), "restorable_to", now.toString()));
    }
    return restores.start(
        t,
        actor,
        mode,
        "tenant.restore_to_time",
        Map.of("at", at.toString(), "provider", RestoreToTimeWorkflow.PROVIDER_SUPABASE),
        "p",
        restoreId ->
            workflows.startRestoreToTime(
                t,
                new RestoreToTimeWorkflow.RestoreToTimeRequest(
                    t.tenantId(),
                    restoreId,
                    at,
                    mode,
                    restoreGrace.toSeconds(),
                    actor,
                    RestoreToTimeWorkflow.PROVIDER_SUPABASE)));
  }

  /** Progress of a restore to a time (a workflow query), for the portal. */
  @GetMapping("/{workflowId}")
  Map<String, Object> progress(@PathVariable UUID id, @PathVariable String workflowId) {
    registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
    WorkflowQuery.requireOwn(workflowId, WorkflowIds.restoreToTimePrefix(id), "restore to time");
    return WorkflowQuery.progressView(
        workflowId,
        workflows.restoreToTimeProgress(workflowId),
        (out, p) -> {
          out.put("step", p.step());
          out.put("outcome", p.outcome());
          out.put("new_database", p.newDatabase());
          out.put("retired_database", p.retiredDatabase());
          out.put("error", p.error());
        });
  }

  private static Instant parseAt(String at) {
    if (at == null || at.isBlank()) {
      throw ApiException.badRequest(
          "at is required: the moment to restore to, as an ISO-8601 instant such as"
              + " 2026-12-07T16:42:00Z");
    }
    try {
      return java.time.OffsetDateTime.parse(at.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "at must be an ISO-8601 instant with its offset, such as 2026-12-07T16:42:00Z; got '"
              + at
              + "'");
    }
  }

  private static ApiException unprocessable(String message) {
    return new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "not_restorable_to_time", message);
  }
}
