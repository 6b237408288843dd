package com.taskifai.api.tenants;

import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.api.temporal.WorkflowNotFound;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.ProvisioningStarts;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Starts the provisioning workflows that new tenants' rows still wait for ({@link
 * ProvisioningStarts}): the admin API inserts a tenant's row and its start request in one
 * statement, then starts the workflow; if it was killed in between, or could neither start the
 * workflow nor release the row (the registry down), the request is left. Every admin API scans for
 * requests older than {@link #GRACE} every {@link #EVERY}, in every deployment, and starts each
 * one's workflow with the id its subdomain names. Exactly once: a workflow of that id whose memo
 * names the tenant (running or ended) means it started already, and Temporal refuses a second start
 * of a running id, so several admin APIs may scan at once. If another tenant's workflow holds the
 * id (undoing its steps), the row is released (FAILED), as the API does when it finds that at once.
 */
@Component
class ProvisioningStarter {
  private static final Logger log = LoggerFactory.getLogger(ProvisioningStarter.class);
  static final String ACTOR = "platform:provisioning-starter";

  /** How old a start request is before the scan takes it: the API's own start is long done. */
  static final Duration GRACE = Duration.ofSeconds(10);

  /** How often each admin API scans. */
  static final Duration EVERY = Duration.ofSeconds(5);

  private final ProvisioningStarts starts;
  private final TenantRegistry registry;
  private final TenantWorkflows workflows;
  private final AuditLog audit;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "taskifai-provisioning-starter");
            t.setDaemon(true);
            return t;
          });

  ProvisioningStarter(
      ProvisioningStarts starts,
      TenantRegistry registry,
      TenantWorkflows workflows,
      AuditLog audit) {
    this.starts = starts;
    this.registry = registry;
    this.workflows = workflows;
    this.audit = audit;
  }

  @EventListener(ApplicationReadyEvent.class)
  void onReady() {
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            scan(GRACE);
          } catch (RuntimeException e) {
            log.warn("the provisioning starter's scan failed: {}", e.toString());
          }
        },
        EVERY.toMillis(),
        EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    timer.shutdownNow();
  }

  /** What one scan did. */
  record Scan(int started, int alreadyRunning, int released, int failed) {}

  /** Takes every start request older than {@code grace} (up to 50), synchronized per process. */
  synchronized Scan scan(Duration grace) {
    int started = 0;
    int already = 0;
    int released = 0;
    int failed = 0;
    for (ProvisioningStarts.Pending p : starts.pending(grace, 50)) {
      try {
        switch (take(p)) {
          case STARTED -> started++;
          case ALREADY -> already++;
          case RELEASED -> released++;
        }
      } catch (RuntimeException e) {
        failed++;
        starts.attemptFailed(p.tenantId(), e.toString());
        log.warn(
            "tenant {}: its provisioning workflow could not be started yet (attempt {}): {}",
            p.tenantId(),
            p.attempts() + 1,
            e.toString());
      }
    }
    return new Scan(started, already, released, failed);
  }

  private enum Outcome {
    STARTED,
    ALREADY,
    RELEASED
  }

  private Outcome take(ProvisioningStarts.Pending p) {
    Tenant t = registry.findById(p.tenantId()).orElse(null);
    if (t == null || t.status() != TenantStatus.PROVISIONING) {
      starts.started(p.tenantId());
      return Outcome.ALREADY;
    }
    String id = WorkflowIds.provision(t.subdomain());
    if (ours(id, t)) {
      starts.started(t.tenantId());
      return Outcome.ALREADY;
    }
    ProvisioningStarts.Start s = p.start();
    try {
      workflows.startProvisioning(
          new ProvisionTenantRequest(
              t.tenantId(),
              t.subdomain(),
              t.companyName(),
              t.adminEmail(),
              t.region(),
              s.requestedBy(),
              s.verificationTimeout(),
              s.databaseProvider(),
              s.tier()),
          s.injectFault());
    } catch (WorkflowAlreadyRunning running) {
      if (ours(id, t)) {
        // Another admin API's scan (or the request's own API) started it a moment ago.
        starts.started(t.tenantId());
        return Outcome.ALREADY;
      }
      starts.release(t.tenantId());
      audit.append(
          t.tenantId(),
          ACTOR,
          "tenant.create",
          null,
          "released",
          Map.of(
              "workflow_id",
              id,
              "reason",
              "the workflow id is held by another tenant's running workflow"));
      log.info(
          "tenant {}: {} runs for another tenant; released the row (FAILED)", t.tenantId(), id);
      return Outcome.RELEASED;
    }
    starts.started(t.tenantId());
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("workflow_id", id);
    detail.put("requested_by", s.requestedBy());
    detail.put("waited_ms", Math.max(0, System.currentTimeMillis() - p.createdAt().toEpochMilli()));
    audit.append(t.tenantId(), ACTOR, "workflow.started", null, "started", detail);
    log.info(
        "tenant {}: its provisioning workflow {} had not been started; started it",
        t.tenantId(),
        id);
    return Outcome.STARTED;
  }

  /** Whether a workflow of this id (running or ended) was started for this tenant. */
  private boolean ours(String workflowId, Tenant t) {
    try {
      Object tenantId = workflows.memo(workflowId, "tenant_id");
      return tenantId != null && tenantId.toString().equals(t.tenantId().toString());
    } catch (WorkflowNotFound none) {
      return false;
    }
  }
}
