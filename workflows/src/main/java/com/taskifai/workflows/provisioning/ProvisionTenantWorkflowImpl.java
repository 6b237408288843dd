package com.taskifai.workflows.provisioning;

import static com.taskifai.workflows.ActivityPolicies.DATABASE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_CREATE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_UNDO;
import static com.taskifai.workflows.ActivityPolicies.DNS;
import static com.taskifai.workflows.ActivityPolicies.DNS_UNDO;
import static com.taskifai.workflows.ActivityPolicies.MAIL;
import static com.taskifai.workflows.ActivityPolicies.MAIL_BEST_EFFORT;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY_UNDO;

import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.WorkflowAudit;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.ports.TrialActivities;
import com.taskifai.workflows.ports.VerificationMailInput;
import com.taskifai.workflows.saga.Saga;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The provisioning saga: thirteen steps, four of them with an undo ({@link Saga} runs the undos in
 * reverse order when a step fails for good, the verification times out or the workflow is
 * cancelled). A cancelled workflow compensates and then ends as cancelled. A lost welcome mail is
 * recorded and never undoes the tenant.
 */
public class ProvisionTenantWorkflowImpl implements ProvisionTenantWorkflow {

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, REGISTRY);
  private final TenantDatabaseActivities database =
      Workflow.newActivityStub(TenantDatabaseActivities.class, DATABASE);
  private final TenantDatabaseActivities databaseCreate =
      Workflow.newActivityStub(TenantDatabaseActivities.class, DATABASE_CREATE);
  private final DnsActivities dns = Workflow.newActivityStub(DnsActivities.class, DNS);
  private final TenantMailActivities mail =
      Workflow.newActivityStub(TenantMailActivities.class, MAIL);
  private final TenantMailActivities welcomeMail =
      Workflow.newActivityStub(TenantMailActivities.class, MAIL_BEST_EFFORT);
  private final TenantRegistryActivities registryUndo =
      Workflow.newActivityStub(TenantRegistryActivities.class, REGISTRY_UNDO);
  private final TenantDatabaseActivities databaseUndo =
      Workflow.newActivityStub(TenantDatabaseActivities.class, DATABASE_UNDO);
  private final DnsActivities dnsUndo = Workflow.newActivityStub(DnsActivities.class, DNS_UNDO);

  private final TrialActivities trial = Workflow.newActivityStub(TrialActivities.class, REGISTRY);
  private final TrialActivities trialUndo =
      Workflow.newActivityStub(TrialActivities.class, REGISTRY_UNDO);

  /** The steps of a pooled trial: no database, role or DNS record of its own. */
  public static final java.util.List<String> TRIAL_STEPS =
      java.util.List.of(
          Step.RESERVE_TENANT.stepName(),
          Step.PLACE_DATABASE.stepName(),
          "place_trial",
          "register_trial_tenant",
          Step.SEND_VERIFICATION_EMAIL.stepName(),
          Step.AWAIT_VERIFICATION.stepName(),
          Step.ACTIVATE_TENANT.stepName(),
          Step.SEND_WELCOME_EMAIL.stepName());

  private Saga saga = new Saga("provisioning", Step.names());
  private ProvisionTenantRequest request;
  private StepInput in;
  private WorkflowStatus status = WorkflowStatus.PROVISIONING;
  private EmailVerified verified;
  private Promise<Void> awaitStartedAudit;

  @Override
  public ProvisioningResult provision(ProvisionTenantRequest request) {
    this.request = request;
    this.in = StepInput.of(request.tenantId(), request.subdomain());
    if (request.trial()) {
      saga = new Saga("provisioning", TRIAL_STEPS);
    }
    try {
      if (request.trial()) {
        runTrialUntilActive();
      } else {
        runUntilActive();
      }
    } catch (TemporalFailure failure) {
      Saga.Rollback rollback = saga.rollBack(failure, new Bookkeeping());
      status = rollback.complete() ? WorkflowStatus.FAILED : WorkflowStatus.ROLLBACK_FAILED;
      if (rollback.cancelled()) {
        throw new CanceledFailure("provisioning cancelled; rollback ended " + status);
      }
      return new ProvisioningResult(
          request.tenantId(), status, rollback.failedStep(), rollback.reason(), false);
    }
    status = WorkflowStatus.ACTIVE;
    String welcome = Step.SEND_WELCOME_EMAIL.stepName();
    Optional<String> welcomeFailed = saga.tryStep(welcome, () -> welcomeMail.sendWelcomeEmail(in));
    if (welcomeFailed.isPresent()) {
      Map<String, String> detail = Map.of("reason", welcomeFailed.get(), "undone", "false");
      Workflow.newDetachedCancellationScope(() -> audit(welcome, Outcome.FAILED, detail)).run();
    }
    return new ProvisioningResult(request.tenantId(), status, null, null, welcomeFailed.isEmpty());
  }

  private void runUntilActive() {
    step(
        Step.RESERVE_TENANT,
        () -> registry.reserveTenant(request.reservation()),
        () ->
            registryUndo.releaseTenant(
                new FailureRecord(request.tenantId(), saga.failedStep(), saga.failureReason())));
    step(Step.PLACE_DATABASE, () -> registry.placeDatabase(in));
    step(
        Step.CREATE_DATABASE,
        () -> databaseCreate.createDatabase(in),
        () -> databaseUndo.dropDatabase(in));
    step(
        Step.STORE_CREDENTIALS,
        () -> registry.storeCredentials(in),
        () -> registryUndo.eraseCredentials(in));
    step(Step.CONFIGURE_DNS, () -> dns.configureDns(in), () -> dnsUndo.deleteDns(in));
    // The next four work inside the tenant database; dropping it undoes them.
    step(Step.MIGRATE_SCHEMA, () -> database.migrateSchema(in));
    step(Step.SEED_VENDOR_CONFIGS, () -> database.seedVendorConfigs(in));
    step(Step.APPLY_RLS, () -> database.applyRls(in));
    step(Step.CREATE_ADMIN_USER, () -> database.createAdminUser(in));
    step(Step.SEND_VERIFICATION_EMAIL, this::sendVerificationEmail);
    step(Step.AWAIT_VERIFICATION, this::awaitVerification);
    step(Step.ACTIVATE_TENANT, () -> registry.activateTenant(in));
  }

  /**
   * A trial: reserved and placed like any tenant, then registered in its server's shared trial
   * database instead of a database, roles and DNS record of its own.
   */
  private void runTrialUntilActive() {
    step(
        Step.RESERVE_TENANT,
        () -> registry.reserveTenant(request.reservation()),
        () ->
            registryUndo.releaseTenant(
                new FailureRecord(request.tenantId(), saga.failedStep(), saga.failureReason())));
    step(Step.PLACE_DATABASE, () -> registry.placeDatabase(in));
    saga.step(
        "place_trial",
        () -> trial.placeTrial(in),
        "undo_place_trial",
        () -> trialUndo.undoPlaceTrial(in));
    saga.step(
        "register_trial_tenant",
        () -> trial.registerTrialTenant(in),
        "undo_register_trial_tenant",
        () -> trialUndo.unregisterTrialTenant(in));
    step(Step.SEND_VERIFICATION_EMAIL, this::sendVerificationEmail);
    step(Step.AWAIT_VERIFICATION, this::awaitVerification);
    step(Step.ACTIVATE_TENANT, () -> registry.activateTenant(in));
  }

  /** The mail; the status change and the audit of the wait run in parallel after it. */
  private void sendVerificationEmail() {
    mail.sendVerificationEmail(
        new VerificationMailInput(
            in.tenantId(), in.subdomain(), request.verificationTimeoutOrDefault()));
    Promise<Void> marked = Async.procedure(registry::markAwaitingVerification, in);
    Map<String, String> detail =
        Map.of("timeout", request.verificationTimeoutOrDefault().toString());
    awaitStartedAudit = Async.procedure(() -> audit(Outcome.STARTED, detail));
    marked.get();
    status = WorkflowStatus.AWAITING_VERIFICATION;
  }

  private void awaitVerification() {
    Duration timeout = request.verificationTimeoutOrDefault();
    awaitStartedAudit.get();
    if (!Workflow.await(timeout, () -> verified != null)) {
      audit(Outcome.TIMEOUT, Map.of("timeout", timeout.toString()));
      throw ApplicationFailure.newNonRetryableFailure(
          "verification timed out after " + timeout, FailureType.VERIFICATION_TIMEOUT.name());
    }
    Map<String, String> detail =
        verified.verifiedBy() == null ? Map.of() : Map.of("verified_by", verified.verifiedBy());
    Promise<Void> audited = Async.procedure(() -> audit(Outcome.VERIFIED, detail));
    registry.markVerified(in);
    audited.get();
  }

  /** Rollback work beyond the undos: the audit of a cancellation, a ROLLBACK_FAILED record. */
  private final class Bookkeeping implements Saga.Listener {
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
            new FailureRecord(request.tenantId(), rollback.failedStep(), rollback.summary()));
      } catch (ActivityFailure e) {
        // The result and the query still say ROLLBACK_FAILED.
      }
    }
  }

  private void step(Step step, Runnable effect) {
    saga.step(step.stepName(), effect);
  }

  private void step(Step step, Runnable effect, Runnable undo) {
    saga.step(step.stepName(), effect, "undo_" + step.stepName(), undo);
  }

  private void audit(Outcome outcome, Map<String, String> detail) {
    audit(Step.AWAIT_VERIFICATION.stepName(), outcome, detail);
  }

  private void audit(String step, Outcome outcome, Map<String, String> detail) {
    WorkflowAudit.record(
        registry,
        new AuditRecord(
            request.tenantId(), "workflow:provision", "provision_tenant", step, outcome, detail));
  }

  @Override
  public void emailVerified(EmailVerified signal) {
    if (verified == null) {
      verified = signal == null ? new EmailVerified(null) : signal;
    }
  }

  @Override
  public ProvisioningProgress progress() {
    return new ProvisioningProgress(
        request == null ? null : request.tenantId(), status, saga.progress());
  }
}
