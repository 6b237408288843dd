package com.taskifai.api.servers;

import com.taskifai.api.ApiException;
import com.taskifai.api.FleetSettings;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.registry.AuditLog;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.move.DrainServerWorkflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
 * Draining a database server: set it DRAINING and move its tenants off (fresh MFA, audited); the
 * drain's progress from its workflow query.
 */
@RestController
@RequestMapping("/admin/servers/{id}/drain")
class ServerDrainController {
  private final DrainStarter starter;
  private final AuditLog audit;
  private final FreshMfa mfa;
  private final Duration grace;
  private final int concurrency;

  ServerDrainController(DrainStarter starter, AuditLog audit, FreshMfa mfa, FleetSettings fleet) {
    this.starter = starter;
    this.audit = audit;
    this.mfa = mfa;
    this.grace = fleet.moveGrace();
    this.concurrency = fleet.drainConcurrency();
  }

  record DrainBody(Integer concurrency) {}

  @ResponseStatus(HttpStatus.ACCEPTED)
  @PostMapping
  ResponseEntity<Map<String, Object>> drain(
      @AuthenticationPrincipal Jwt jwt,
      @PathVariable String id,
      @RequestBody(required = false) DrainBody body) {
    String actor = mfa.require(jwt);
    int n = body == null || body.concurrency() == null ? concurrency : body.concurrency();
    DrainStarter.Started started;
    try {
      started = starter.start(id, n, grace.toSeconds(), actor);
    } catch (DrainStarter.Refused e) {
      throw switch (e.status()) {
        case 404 -> ApiException.notFound(e.getMessage());
        case 400 -> ApiException.badRequest(e.getMessage());
        default -> ApiException.conflict(e.getMessage(), Map.of("server_id", id));
      };
    }
    audit.append(
        null,
        actor,
        "server.drain",
        null,
        "accepted",
        Map.of(
            "server_id",
            id,
            "workflow_id",
            started.workflowId(),
            "already_running",
            String.valueOf(started.alreadyRunning())));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("server_id", id);
    out.put("workflow_id", started.workflowId());
    out.put("state", "DRAINING");
    out.put("already_running", started.alreadyRunning());
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(out);
  }

  /** The drain's progress: state, counts, tenants still on the server, latest results. */
  @GetMapping
  Map<String, Object> progress(@PathVariable String id) {
    Optional<DrainServerWorkflow.DrainProgress> p = starter.progress(id);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("server_id", id);
    out.put("workflow_id", WorkflowIds.drain(id));
    if (p.isEmpty()) {
      out.put("state", "UNKNOWN");
      return out;
    }
    out.put("state", p.get().state());
    out.put("round", p.get().round());
    out.put("moved", p.get().moved());
    out.put("failed", p.get().failed());
    out.put("remaining", p.get().remaining());
    out.put("results", p.get().results());
    return out;
  }
}
