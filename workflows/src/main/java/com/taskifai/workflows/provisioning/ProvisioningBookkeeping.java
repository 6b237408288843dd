package com.taskifai.workflows.provisioning;

import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.saga.Saga;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * What the provisioning workflow records beside its steps: audit rows of events that are no
 * activity, and the rollback's own records (the audit of a cancellation, a ROLLBACK_FAILED mark).
 * Runs on the workflow thread through the workflow's registry stubs; deterministic.
 */
final class ProvisioningBookkeeping implements Saga.Listener {

  private final TenantRegistryActivities audits;
  private final TenantRegistryActivities registry;
  private final UUID tenantId;

  /**
   * @param audits the stub that writes the audit rows (local activities in new histories)
   * @param registry the stub of the ROLLBACK_FAILED mark (an activity, like the undos)
   */
  ProvisioningBookkeeping(
      TenantRegistryActivities audits, TenantRegistryActivities registry, UUID tenantId) {
    this.audits = audits;
    this.registry = registry;
    this.tenantId = tenantId;
  }

  /** The verification wait started (an audit row). */
  void verificationAwaited(Duration timeout) {
    audit(Step.AWAIT_VERIFICATION.stepName(), Outcome.STARTED, timeout(timeout));
  }

  /** The verification wait ran out (an audit row). */
  void verificationTimedOut(Duration timeout) {
    audit(Step.AWAIT_VERIFICATION.stepName(), Outcome.TIMEOUT, timeout(timeout));
  }

  /** The e-mail address was verified, by someone if the signal names them (an audit row). */
  void verified(EmailVerified signal) {
    Map<String, String> detail =
        signal.verifiedBy() == null ? Map.of() : Map.of("verified_by", signal.verifiedBy());
    audit(Step.AWAIT_VERIFICATION.stepName(), Outcome.VERIFIED, detail);
  }

  private static Map<String, String> timeout(Duration timeout) {
    return Map.of("timeout", timeout.toString());
  }

  /** An audit row of a step; a failed write never fails the workflow. */
  private void audit(String step, Outcome outcome, Map<String, String> detail) {
    WorkflowAudit.record(
        audits,
        new AuditRecord(tenantId, "workflow:provision", "provision_tenant", step, outcome, detail));
  }

  /** Records a lost welcome mail (it never undoes the tenant), even while cancelled. */
  void welcomeMailFailed(String reason) {
    Map<String, String> detail = Map.of("reason", reason, "undone", "false");
    Workflow.newDetachedCancellationScope(
            () -> audit(Step.SEND_WELCOME_EMAIL.stepName(), Outcome.FAILED, detail))
        .run();
  }

  @Override
  public void beforeUndos(Saga.Rollback rollback) {
    if (rollback.cancelled()) {
      audit(rollback.failedStep(), Outcome.CANCELLED, Map.of());
    }
  }

  @Override
  public void undosFailed(Saga.Rollback rollback) {
    try {
      registry.markRollbackFailed(
          new FailureRecord(tenantId, rollback.failedStep(), rollback.summary()));
    } catch (ActivityFailure e) {
      // The result and the query still say ROLLBACK_FAILED.
    }
  }
}
