package com.taskifai.api.migrations;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.api.temporal.SchemaWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.api.temporal.WorkflowNotFound;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.FleetMigrations;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.MigrationRequest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
 * Fleet schema rollouts: start one ({@code POST}, fresh MFA, 202 with its id), list them, show one
 * (counts by state, failed tenants with their error, timing) and pause, resume or abort it (fresh
 * MFA, Temporal signals). Progress comes from the registry, which the rollout's activities keep.
 */
@RestController
@RequestMapping("/admin/migrations")
class MigrationController {
  private static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int FAILURES_SHOWN = 200;

  private final TenantRegistry registry;
  private final FleetMigrations fleet;
  private final AuditLog audit;
  private final SchemaWorkflows workflows;
  private final FreshMfa mfa;
  private final ApiSettings settings;
  private final Clock clock;

  MigrationController(
      TenantRegistry registry,
      AuditLog audit,
      SchemaWorkflows workflows,
      FreshMfa mfa,
      ApiSettings settings,
      Clock clock) {
    this.registry = registry;
    this.fleet = registry.fleetMigrations();
    this.audit = audit;
    this.workflows = workflows;
    this.mfa = mfa;
    this.settings = settings;
    this.clock = clock;
  }

  record Accepted(String migrationId, String workflowId, String state, String action) {}

  record FailedTenant(
      UUID tenantId, String subdomain, boolean canary, String error, Instant finishedAt) {}

  record MigrationView(
      String migrationId,
      String workflowId,
      String targetVersion,
      String state,
      String phase,
      String reason,
      String requestedBy,
      Map<String, Long> counts,
      long total,
      int percent,
      Instant createdAt,
      Instant updatedAt,
      Instant finishedAt,
      Long durationSeconds,
      List<FailedTenant> failures) {}

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Accepted> start(
      @AuthenticationPrincipal Jwt jwt, @RequestBody(required = false) NewMigration body) {
    String actor = mfa.require(jwt);
    NewMigration request =
        body == null ? new NewMigration(null, null, null, null, null, null) : body;
    Map<String, String> problems = request.problems();
    ApiException.requireValid(problems);
    List<UUID> canaries = resolveCanaries(request.canaryTenants());
    Optional<FleetMigrations.Migration> running = fleet.unfinished();
    if (running.isPresent() && workflows.rolloutRunning(running.get().migrationId())) {
      throw ApiException.conflict(
          "rollout " + running.get().migrationId() + " is still running; pause, abort or await it",
          Map.of("migration_id", running.get().migrationId()));
    }
    running.ifPresent(
        m ->
            fleet.setState(
                m.migrationId(), "FAILED", "its workflow ended without recording an outcome"));

    String id =
        "m-" + STAMP.format(clock.instant()) + "-" + HexFormat.of().formatHex(randomBytes(3));
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("canary_count", request.canaryCountOrDefault());
    options.put("canary_tenants", canaries.size());
    options.put("concurrency", request.concurrencyOrDefault());
    options.put("per_server_concurrency", request.perServerOrDefault());
    options.put("max_failure_ratio", request.maxFailureRatioOrDefault());
    fleet.create(id, request.targetVersion(), actor, json(options));
    String workflowId = WorkflowIds.fleetMigrate(id);
    try {
      workflows.startRollout(
          new MigrationRequest(
              id,
              request.targetVersion(),
              canaries,
              request.canaryCountOrDefault(),
              request.concurrencyOrDefault(),
              request.perServerOrDefault(),
              request.maxFailureRatioOrDefault(),
              actor,
              settings.searchAttributes(),
              null));
    } catch (WorkflowAlreadyRunning e) {
      throw ApiException.conflict("rollout " + id + " runs already", Map.of("migration_id", id));
    } catch (RuntimeException notStarted) {
      // No rollout is left RUNNING without a workflow (Temporal down, say): the next start may go.
      fleet.setState(id, "FAILED", "its workflow could not be started");
      throw notStarted;
    }
    Map<String, Object> detail = new LinkedHashMap<>(options);
    detail.put("migration_id", id);
    detail.put("workflow_id", workflowId);
    detail.put("target_version", request.targetVersion());
    audit.append(null, actor, "migration.start", null, "accepted", detail);
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Accepted(id, workflowId, "RUNNING", "migrating"));
  }

  @GetMapping
  Map<String, Object> list() {
    List<MigrationView> items = new ArrayList<>();
    for (FleetMigrations.Migration m : fleet.list(50)) {
      items.add(view(m, false));
    }
    return Map.of("items", items);
  }

  @GetMapping("/{id}")
  MigrationView get(@PathVariable String id) {
    return view(find(id), true);
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/pause")
  ResponseEntity<Accepted> pause(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable String id,
      @RequestBody(required = false) Map<String, Object> body) {
    String actor = mfa.require(jwt);
    String reason = reason(body, actor);
    return signal(actor, id, "pause", flow -> flow.pause(reason));
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/resume")
  ResponseEntity<Accepted> resume(@AuthenticationPrincipal Jwt jwt, @PathVariable String id) {
    String actor = mfa.require(jwt);
    return signal(actor, id, "resume", MigrateFleetWorkflow::resume);
  }

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping("/{id}/abort")
  ResponseEntity<Accepted> abort(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable String id,
      @RequestBody(required = false) Map<String, Object> body) {
    String actor = mfa.require(jwt);
    String reason = reason(body, actor);
    return signal(actor, id, "abort", flow -> flow.abort(reason));
  }

  private ResponseEntity<Accepted> signal(
      String actor,
      String id,
      String action,
      java.util.function.Consumer<MigrateFleetWorkflow> send) {
    FleetMigrations.Migration m = find(id);
    if (m.finished()) {
      throw ApiException.conflict(
          "rollout " + id + " has finished (" + m.state() + ")", Map.of("state", m.state()));
    }
    String workflowId = WorkflowIds.fleetMigrate(id);
    try {
      workflows.signalRollout(id, action, send);
    } catch (WorkflowNotFound e) {
      throw ApiException.conflict(
          "rollout " + id + " has no running workflow", Map.of("state", m.state()));
    }
    audit.append(
        null,
        actor,
        "migration." + action,
        null,
        "accepted",
        Map.of("migration_id", id, "workflow_id", workflowId));
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Accepted(id, workflowId, m.state(), action));
  }

  private static String reason(Map<String, Object> body, String actor) {
    Object given = body == null ? null : body.get("reason");
    String text = given == null ? "" : given.toString().strip();
    if (text.length() > 200 || text.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.badRequest("reason must be one line of at most 200 characters");
    }
    return text.isEmpty() ? "by " + actor : text + " (" + actor + ")";
  }

  private FleetMigrations.Migration find(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw ApiException.notFound("no rollout has id " + id);
    }
    return fleet.find(id).orElseThrow(() -> ApiException.notFound("no rollout has id " + id));
  }

  private MigrationView view(FleetMigrations.Migration m, boolean withFailures) {
    Map<String, Long> counts = fleet.counts(m.migrationId());
    long finished = counts.get("DONE") + counts.get("FAILED") + counts.get("SKIPPED");
    long total = finished + counts.get("RUNNING");
    if (!m.finished() && m.targetVersion() != null) {
      // Not yet started: every tenant not at the target, less those failed or running now.
      long left = fleet.remaining(m.targetVersion()) - counts.get("FAILED") - counts.get("RUNNING");
      total += Math.max(0, left);
    }
    int percent = total == 0 ? (m.finished() ? 100 : 0) : (int) (finished * 100 / total);
    List<FailedTenant> failures = List.of();
    if (withFailures) {
      failures =
          fleet.tenants(m.migrationId(), "FAILED", FAILURES_SHOWN).stream()
              .map(
                  r ->
                      new FailedTenant(
                          r.tenantId(), r.subdomain(), r.canary(), r.error(), r.finishedAt()))
              .toList();
    }
    Instant end = m.finishedAt() != null ? m.finishedAt() : clock.instant();
    return new MigrationView(
        m.migrationId(),
        WorkflowIds.fleetMigrate(m.migrationId()),
        m.targetVersion(),
        m.state(),
        m.phase(),
        m.reason(),
        m.requestedBy(),
        counts,
        total,
        percent,
        m.createdAt(),
        m.updatedAt(),
        m.finishedAt(),
        Duration.between(m.createdAt(), end).toSeconds(),
        failures);
  }

  /** Tenant ids or subdomains, each an ACTIVE or SUSPENDED tenant, else 400 naming it. */
  private List<UUID> resolveCanaries(List<String> given) {
    if (given == null) {
      return List.of();
    }
    List<UUID> ids = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String g : given) {
      String key = g.strip();
      Optional<Tenant> t;
      try {
        t = registry.findById(UUID.fromString(key));
      } catch (IllegalArgumentException notAnId) {
        t = key.length() > 63 ? Optional.empty() : registry.findLiveBySubdomain(key.toLowerCase());
      }
      if (t.isPresent() && FleetMigrations.MIGRATED.contains(t.get().status())) {
        if (!ids.contains(t.get().tenantId())) {
          ids.add(t.get().tenantId());
        }
      } else {
        unknown.add(key.length() > 63 ? key.substring(0, 63) + "…" : key);
      }
    }
    if (!unknown.isEmpty()) {
      throw ApiException.invalid(
          "canary_tenants must name ACTIVE or SUSPENDED tenants; not: "
              + String.join(", ", unknown),
          Map.of("canary_tenants", "unknown or not migratable: " + unknown));
    }
    return ids;
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static String json(Map<String, Object> options) {
    return options.entrySet().stream()
        .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
        .collect(Collectors.joining(",", "{", "}"));
  }
}
