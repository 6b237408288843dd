package com.taskifai.api.tenants;

import com.taskifai.api.ApiSettings;
import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.api.temporal.WorkflowAlreadyRunning;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Restart safety: the embedded Temporal server forgets its workflows when the platform restarts,
 * the registry does not. On start, every tenant left PROVISIONING, AWAITING_VERIFICATION or
 * DELETING whose workflow Temporal does not know gets that workflow again, with the same id; the
 * idempotent steps make the second run safe. On only when {@code taskifai.recover-workflows} is
 * true, which the dev launcher sets: on a real cluster a missing workflow may have been ended on
 * purpose, and the fleet reconciler reports such tenants (kind {@code stalled_tenant}) instead.
 */
@Component
class LostWorkflowRecovery {
  private static final Logger log = LoggerFactory.getLogger(LostWorkflowRecovery.class);
  static final String ACTOR = "platform:recovery";

  private final TenantRegistry registry;
  private final TenantWorkflows workflows;
  private final AuditLog audit;
  private final ApiSettings settings;

  LostWorkflowRecovery(
      TenantRegistry registry, TenantWorkflows workflows, AuditLog audit, ApiSettings settings) {
    this.registry = registry;
    this.workflows = workflows;
    this.audit = audit;
    this.settings = settings;
  }

  @EventListener(ApplicationReadyEvent.class)
  void onReady() {
    if (!settings.recoverWorkflows()) {
      return;
    }
    // In the background, so a slow or absent Temporal does not hold up the API's start.
    Thread t = new Thread(this::recover, "lost-workflow-recovery");
    t.setDaemon(true);
    t.start();
  }

  /** Starts the lost workflows again and returns how many it started. */
  int recover() {
    int started = 0;
    try {
      for (Tenant tenant : registry.findByStatus(TenantStatus.IN_FLIGHT)) {
        try {
          if (recover(tenant)) {
            started++;
          }
        } catch (RuntimeException e) {
          log.warn("cannot recover the workflow of tenant {}: {}", tenant.tenantId(), e.toString());
        }
      }
    } catch (RuntimeException e) {
      log.warn("lost-workflow recovery skipped: {}", e.toString());
    }
    if (started > 0) {
      log.info("started {} lost tenant workflows again", started);
    }
    return started;
  }

  private boolean recover(Tenant t) {
    String id;
    if (t.status() == TenantStatus.DELETING) {
      id = WorkflowIds.offboard(t.tenantId());
      if (workflows.exists(id)) {
        return false;
      }
      workflows.startOffboard(t, ACTOR);
    } else {
      id = WorkflowIds.provision(t.subdomain());
      if (workflows.exists(id)) {
        return false;
      }
      try {
        workflows.startProvisioning(
            new ProvisionTenantRequest(
                t.tenantId(),
                t.subdomain(),
                t.companyName(),
                t.adminEmail(),
                t.region(),
                ACTOR,
                settings.verificationTimeout(),
                null,
                t.isTrial() ? ProvisionTenantRequest.TRIAL : null),
            null);
      } catch (WorkflowAlreadyRunning raced) {
        return false;
      }
    }
    audit.append(
        t.tenantId(),
        ACTOR,
        "workflow.recovered",
        null,
        "started",
        Map.of("workflow_id", id, "status", t.status().name()));
    log.info("tenant {}: workflow {} was lost; started it again", t.tenantId(), id);
    return true;
  }
}
