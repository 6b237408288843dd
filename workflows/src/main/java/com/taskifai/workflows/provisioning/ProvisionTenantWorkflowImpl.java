package com.taskifai.workflows.provisioning;

import static com.taskifai.workflows.ActivityPolicies.DATABASE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_CREATE;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_LOCAL;
import static com.taskifai.workflows.ActivityPolicies.DATABASE_UNDO;
import static com.taskifai.workflows.ActivityPolicies.DNS;
import static com.taskifai.workflows.ActivityPolicies.DNS_UNDO;
import static com.taskifai.workflows.ActivityPolicies.MAIL;
import static com.taskifai.workflows.ActivityPolicies.MAIL_BEST_EFFORT;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY_LOCAL;
import static com.taskifai.workflows.ActivityPolicies.REGISTRY_UNDO;

import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import com.taskifai.workflows.ports.TrialActivities;
import com.taskifai.workflows.ports.VerificationMailInput;
import com.taskifai.workflows.saga.Saga;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Optional;

/**
 * The provisioning saga: thirteen steps, four of them with an undo ({@link Saga} runs the undos in
 * reverse order when a step fails for good, the verification times out or the workflow is
 * cancelled). A cancelled workflow compensates and then ends as cancelled. A lost welcome mail is
 * recorded and never undoes the tenant. A trial runs {@link ProvisioningSteps#TRIAL} instead; what
 * the workflow records beside its steps is in {@link ProvisioningBookkeeping}.
 *
 * <p>The short steps (registry writes, the work inside the new database, the workflow's audit rows)
 * run as local activities from version {@link #LOCAL_STEPS_VERSION} of {@link #LOCAL_STEPS} on:
 * several in a row then complete in one workflow task instead of one round trip to the server each.
 * create_database, configure_dns, the mails and every undo stay activities (they wait, heartbeat or
 * retry for minutes). A history recorded before the change replays with activities throughout.
 */
public class ProvisionTenantWorkflowImpl implements ProvisionTenantWorkflow {

  /** The change id ({@code Workflow.getVersion}) of the short steps' move to local activities. */
  static final String LOCAL_STEPS = "local-steps";

  /** The version from which the short steps are local activities. */
  static final int LOCAL_STEPS_VERSION = 1;

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
  private final TenantRegistryActivities registryLocal =
      Workflow.newLocalActivityStub(TenantRegistryActivities.class, REGISTRY_LOCAL);
  private final TenantDatabaseActivities databaseLocal =
      Workflow.newLocalActivityStub(TenantDatabaseActivities.class, DATABASE_LOCAL);

  /** The short registry steps and audit rows: local activities, or activities in old histories. */
  private TenantRegistryActivities shortRegistry = registry;

  /** The short steps inside the tenant database: as {@link #shortRegistry}. */
  private TenantDatabaseActivities shortDatabase = database;

  private Saga saga = new Saga("provisioning", Step.names());
  private ProvisionTenantRequest request;
  private ProvisioningBookkeeping records;
  private StepInput in;
  private WorkflowStatus status = WorkflowStatus.PROVISIONING;
  private EmailVerified verified;
  private Promise<Void> awaitStartedAudit;

  @Override
  public ProvisioningResult provision(ProvisionTenantRequest request) {
    this.request = request;
    this.in = StepInput.of(request.tenantId(), request.subdomain());
    if (Workflow.getVersion(LOCAL_STEPS, Workflow.DEFAULT_VERSION, LOCAL_STEPS_VERSION)
        >= LOCAL_STEPS_VERSION) {
      shortRegistry = registryLocal;
      shortDatabase = databaseLocal;
    }
    this.records = new ProvisioningBookkeeping(shortRegistry, registry, request.tenantId());
    this.saga = new Saga("provisioning", ProvisioningSteps.of(request));
    try {
      if (request.trial()) {
        runTrialUntilActive();
      } else {
        runUntilActive();
      }
    } catch (TemporalFailure failure) {
      Saga.Rollback rollback = saga.rollBack(failure, records);
      status = rollback.complete() ? WorkflowStatus.FAILED : WorkflowStatus.ROLLBACK_FAILED;
      if (rollback.cancelled()) {
        throw new CanceledFailure("provisioning cancelled; rollback ended " + status);
      }
      return new ProvisioningResult(
          request.tenantId(), status, rollback.failedStep(), rollback.reason(), false);
    }
    status = WorkflowStatus.ACTIVE;
    Optional<String> welcomeFailed =
        saga.tryStep(Step.SEND_WELCOME_EMAIL.stepName(), () -> welcomeMail.sendWelcomeEmail(in));
    welcomeFailed.ifPresent(records::welcomeMailFailed);
    return new ProvisioningResult(request.tenantId(), status, null, null, welcomeFailed.isEmpty());
  }

  private void runUntilActive() {
    reserveAndPlace();
    step(
        Step.CREATE_DATABASE,
        () -> databaseCreate.createDatabase(in),
        () -> databaseUndo.dropDatabase(in));
    step(
        Step.STORE_CREDENTIALS,
        () -> shortRegistry.storeCredentials(in),
        () -> registryUndo.eraseCredentials(in));
    step(Step.CONFIGURE_DNS, () -> dns.configureDns(in), () -> dnsUndo.deleteDns(in));
    // The next four work inside the tenant database; dropping it undoes them.
    step(Step.MIGRATE_SCHEMA, () -> shortDatabase.migrateSchema(in));
    step(Step.SEED_VENDOR_CONFIGS, () -> shortDatabase.seedVendorConfigs(in));
    step(Step.APPLY_RLS, () -> shortDatabase.applyRls(in));
    step(Step.CREATE_ADMIN_USER, () -> shortDatabase.createAdminUser(in));
    step(Step.SEND_VERIFICATION_EMAIL, this::sendVerificationEmail);
    step(Step.AWAIT_VERIFICATION, this::awaitVerification);
    step(Step.ACTIVATE_TENANT, () -> shortRegistry.activateTenant(in));
  }

  /**
   * A trial: reserved and placed like any tenant, then registered in its server's shared trial
   * database instead of a database, roles and DNS record of its own.
   */
  private void runTrialUntilActive() {
    reserveAndPlace();
    step(
        ProvisioningSteps.PLACE_TRIAL,
        () -> trial.placeTrial(in),
        () -> trialUndo.undoPlaceTrial(in));
    step(
        ProvisioningSteps.REGISTER_TRIAL_TENANT,
        () -> trial.registerTrialTenant(in),
        () -> trialUndo.unregisterTrialTenant(in));
    step(Step.SEND_VERIFICATION_EMAIL, this::sendVerificationEmail);
    step(Step.AWAIT_VERIFICATION, this::awaitVerification);
    step(Step.ACTIVATE_TENANT, () -> shortRegistry.activateTenant(in));
  }

  /** The first two steps of every tenant: the registry row and the server it will live on. */
  private void reserveAndPlace() {
    step(
        Step.RESERVE_TENANT,
        () -> shortRegistry.reserveTenant(request.reservation()),
        () ->
            registryUndo.releaseTenant(
                new FailureRecord(request.tenantId(), saga.failedStep(), saga.failureReason())));
    step(Step.PLACE_DATABASE, () -> shortRegistry.placeDatabase(in));
  }

  /** The mail; the status change and the audit of the wait run in parallel after it. */
  private void sendVerificationEmail() {
    mail.sendVerificationEmail(
        new VerificationMailInput(
            in.tenantId(), in.subdomain(), request.verificationTimeoutOrDefault()));
    Promise<Void> marked = Async.procedure(shortRegistry::markAwaitingVerification, in);
    awaitStartedAudit =
        Async.procedure(records::verificationAwaited, request.verificationTimeoutOrDefault());
    marked.get();
    status = WorkflowStatus.AWAITING_VERIFICATION;
  }

  private void awaitVerification() {
    Duration timeout = request.verificationTimeoutOrDefault();
    awaitStartedAudit.get();
    if (!Workflow.await(timeout, () -> verified != null)) {
      records.verificationTimedOut(timeout);
      throw ApplicationFailure.newNonRetryableFailure(
          "verification timed out after " + timeout, FailureType.VERIFICATION_TIMEOUT.name());
    }
    Promise<Void> audited = Async.procedure(records::verified, verified);
    shortRegistry.markVerified(in);
    audited.get();
  }

  private void step(Step step, Runnable effect) {
    saga.step(step.stepName(), cancellable(effect));
  }

  private void step(Step step, Runnable effect, Runnable undo) {
    step(step.stepName(), effect, undo);
  }

  private void step(String step, Runnable effect, Runnable undo) {
    saga.step(step, cancellable(effect), ProvisioningSteps.undo(step), undo);
  }

  /**
   * The step, failing as cancelled before its effect when the workflow was cancelled. An activity
   * started in a cancelled scope fails by itself; a local activity (SDK 1.38) runs even then, so
   * without this a cancellation that arrives while a local step runs (its workflow task kept alive
   * by the SDK's heartbeat) would let the following local steps run before the rollback. Only in
   * the local-steps version: old histories replay exactly as recorded.
   */
  private Runnable cancellable(Runnable effect) {
    if (shortRegistry != registryLocal) {
      return effect;
    }
    return () -> {
      if (CancellationScope.current().isCancelRequested()) {
        throw new CanceledFailure("provisioning cancelled");
      }
      effect.run();
    };
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
