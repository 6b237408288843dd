package com.taskifai.workflows.lifecycle;

import static com.taskifai.workflows.ActivityPolicies.STEP_RETRY;

import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;

/** Activity options and the audit call shared by the lifecycle workflows. */
final class LifecycleActivities {

  private static final Logger log = Workflow.getLogger(LifecycleActivities.class);

  // Registry writes are single-row statements; 10 s bounds how long a crashed worker stalls a step.
  static final ActivityOptions REGISTRY =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(10))
          .setRetryOptions(STEP_RETRY)
          .build();

  // Dropping a database waits for its connections to end; 30 s leaves headroom.
  static final ActivityOptions DATABASE =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(STEP_RETRY)
          .build();

  // Route 53 answers only when the change is INSYNC, which can take a minute.
  static final ActivityOptions DNS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(STEP_RETRY)
          .build();

  // SMTP may be down for a while: retried; one attempt sends one mail.
  static final ActivityOptions MAIL =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(STEP_RETRY)
          .build();

  private LifecycleActivities() {}

  /** Records who asked for the operation and how it ended; an audit failure never fails it. */
  static void audit(
      TenantRegistryActivities registry,
      TenantOperation operation,
      String action,
      String outcome,
      Map<String, String> detail) {
    try {
      registry.recordAudit(
          new AuditRecord(operation.tenantId(), operation.actor(), action, null, outcome, detail));
    } catch (ActivityFailure e) {
      log.warn("tenant {}: audit of {} {} failed", operation.tenantId(), action, outcome);
    }
  }
}
