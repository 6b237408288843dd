package com.taskifai.workflows.provisioning;

import static com.taskifai.workflows.ActivityPolicies.STEP_RETRY;
import static com.taskifai.workflows.ActivityPolicies.UNDO_RETRY;

import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;

/**
 * The provisioning saga. Each step with an undo registers it before the call (the call may have
 * succeeded even if it timed out); when a step fails for good, the verification times out or the
 * workflow is cancelled, the registered undos run in reverse order in a detached cancellation
 * scope. A cancelled workflow compensates and then ends as cancelled.
 */
public class ProvisionTenantWorkflowImpl implements ProvisionTenantWorkflow {

  static final Duration DEFAULT_VERIFICATION_TIMEOUT = Duration.ofDays(7);
  static final String PROVISIONING = "PROVISIONING";
  static final String AWAITING_VERIFICATION = "AWAITING_VERIFICATION";
  static final String ACTIVE = "ACTIVE";
  static final String FAILED = "FAILED";
  static final String ROLLBACK_FAILED = "ROLLBACK_FAILED";
  private static final String ACTOR = "workflow:provision";
  private static final int MAX_REASON = 500;
  static final String PARALLEL_BOOKKEEPING = "parallel-bookkeeping";

  private static final Logger log = Workflow.getLogger(ProvisionTenantWorkflowImpl.class);

  // Registry writes are single-row statements; 10 s bounds how long a crashed worker stalls a step.
  private final ActivityOptions registryOptions = options(Duration.ofSeconds(10), STEP_RETRY);
  // A database from the template, or the tenant migrations, take seconds; 30 s leaves headroom.
  private final ActivityOptions databaseOptions = options(Duration.ofSeconds(30), STEP_RETRY);
  // Route 53 answers only when the change is INSYNC, which can take a minute.
  private final ActivityOptions dnsOptions = options(Duration.ofMinutes(2), STEP_RETRY);
  // One SMTP submission; 30 s covers a slow relay. While the SMTP server is down the mail is
  // retried with back-off for up to 15 minutes (schedule-to-close), then provisioning is undone.
  private final ActivityOptions mailOptions =
      ActivityOptions.newBuilder(
              options(
                  Duration.ofSeconds(30),
                  RetryOptions.newBuilder(STEP_RETRY).setMaximumAttempts(0).build()))
          .setScheduleToCloseTimeout(Duration.ofMinutes(15))
          .build();
  // A lost welcome mail does not undo the tenant, so a few attempts are enough before recording it.
  private final ActivityOptions welcomeOptions =
      options(
          Duration.ofSeconds(30),
          RetryOptions.newBuilder(STEP_RETRY).setMaximumAttempts(5).build());

  private final TenantRegistryActivities registry =
      Workflow.newActivityStub(TenantRegistryActivities.class, registryOptions);
  private final TenantDatabaseActivities database =
      Workflow.newActivityStub(TenantDatabaseActivities.class, databaseOptions);
  private final DnsActivities dns = Workflow.newActivityStub(DnsActivities.class, dnsOptions);
  private final TenantMailActivities mail =
      Workflow.newActivityStub(TenantMailActivities.class, mailOptions);
  private final TenantMailActivities welcomeMail =
      Workflow.newActivityStub(TenantMailActivities.class, welcomeOptions);

  private final TenantRegistryActivities registryUndo =
      Workflow.newActivityStub(
          TenantRegistryActivities.class, options(Duration.ofSeconds(10), UNDO_RETRY));
  private final TenantDatabaseActivities databaseUndo =
      Workflow.newActivityStub(
          TenantDatabaseActivities.class, options(Duration.ofSeconds(30), UNDO_RETRY));
  private final DnsActivities dnsUndo =
      Workflow.newActivityStub(DnsActivities.class, options(Duration.ofMinutes(2), UNDO_RETRY));

  private final Map<Step, StepProgress> steps = new EnumMap<>(Step.class);
  private final List<Undo> undos = new ArrayList<>();
  private ProvisionTenantRequest request;
  private String status = PROVISIONING;
  private Step current;
  private String failedStep;
  private String failureReason;
  private EmailVerified verified;
  private boolean bookkeepingInParallel;
  private Promise<Void> awaitStartedAudit;

  /** A compensation: the step it belongs to, its activity name and the call. */
  private record Undo(Step step, String name, Runnable action) {}

  public ProvisionTenantWorkflowImpl() {
    for (Step step : Step.values()) {
      steps.put(step, new StepProgress(step.stepName(), StepProgress.PENDING, null, null, null));
    }
  }

  private static ActivityOptions options(Duration startToClose, RetryOptions retry) {
    return ActivityOptions.newBuilder()
        .setStartToCloseTimeout(startToClose)
        .setRetryOptions(retry)
        .build();
  }

  @Override
  public ProvisioningResult provision(ProvisionTenantRequest request) {
    this.request = request;
    log.info("provisioning tenant {}", request.tenantId());
    try {
      runUntilVerified();
    } catch (TemporalFailure failure) {
      return rollBack(failure);
    }
    boolean welcomeSent = sendWelcomeEmail();
    status = ACTIVE;
    log.info("tenant {} active", request.tenantId());
    return new ProvisioningResult(request.tenantId(), ACTIVE, null, null, welcomeSent);
  }

  private void runUntilVerified() {
    UUID tenantId = request.tenantId();

    onUndo(
        Step.RESERVE_TENANT,
        "undo_reserve_tenant",
        () -> registryUndo.releaseTenant(new FailureRecord(tenantId, failedStep, failureReason)));
    step(
        Step.RESERVE_TENANT,
        () ->
            registry.reserveTenant(
                new ReserveTenantInput(
                    tenantId,
                    request.subdomain(),
                    request.companyName(),
                    request.adminEmail(),
                    request.region(),
                    request.requestedBy(),
                    injects(Step.RESERVE_TENANT))));

    step(Step.PLACE_DATABASE, () -> registry.placeDatabase(input(Step.PLACE_DATABASE)));

    onUndo(
        Step.CREATE_DATABASE, "undo_create_database", () -> databaseUndo.dropDatabase(input(null)));
    step(Step.CREATE_DATABASE, () -> database.createDatabase(input(Step.CREATE_DATABASE)));

    onUndo(
        Step.STORE_CREDENTIALS,
        "undo_store_credentials",
        () -> registryUndo.eraseCredentials(input(null)));
    step(Step.STORE_CREDENTIALS, () -> registry.storeCredentials(input(Step.STORE_CREDENTIALS)));

    onUndo(Step.CONFIGURE_DNS, "undo_configure_dns", () -> dnsUndo.deleteDns(input(null)));
    step(Step.CONFIGURE_DNS, () -> dns.configureDns(input(Step.CONFIGURE_DNS)));

    // The next four work inside the tenant database; dropping it undoes them.
    step(Step.MIGRATE_SCHEMA, () -> database.migrateSchema(input(Step.MIGRATE_SCHEMA)));
    step(
        Step.SEED_VENDOR_CONFIGS,
        () -> database.seedVendorConfigs(input(Step.SEED_VENDOR_CONFIGS)));
    step(Step.APPLY_RLS, () -> database.applyRls(input(Step.APPLY_RLS)));
    step(Step.CREATE_ADMIN_USER, () -> database.createAdminUser(input(Step.CREATE_ADMIN_USER)));

    // Version 1 runs the bookkeeping calls around the verification next to each other, in
    // parallel: each pair saves a round trip through the server; histories before it replay.
    bookkeepingInParallel =
        Workflow.getVersion(PARALLEL_BOOKKEEPING, Workflow.DEFAULT_VERSION, 1) >= 1;

    step(
        Step.SEND_VERIFICATION_EMAIL,
        () -> {
          mail.sendVerificationEmail(input(Step.SEND_VERIFICATION_EMAIL));
          if (bookkeepingInParallel) {
            Promise<Void> marked = Async.procedure(registry::markAwaitingVerification, input(null));
            awaitStartedAudit = Async.procedure(this::auditAwaitStarted);
            marked.get();
          } else {
            registry.markAwaitingVerification(input(null));
          }
          status = AWAITING_VERIFICATION;
        });

    step(Step.AWAIT_VERIFICATION, this::awaitVerification);

    step(Step.ACTIVATE_TENANT, () -> registry.activateTenant(input(Step.ACTIVATE_TENANT)));
  }

  private Duration verificationTimeout() {
    return request.verificationTimeout() == null
        ? DEFAULT_VERIFICATION_TIMEOUT
        : request.verificationTimeout();
  }

  private void auditAwaitStarted() {
    audit("started", Map.of("timeout", verificationTimeout().toString()));
  }

  private void awaitVerification() {
    Duration timeout = verificationTimeout();
    if (awaitStartedAudit != null) {
      awaitStartedAudit.get();
    } else {
      auditAwaitStarted();
    }
    if (injects(Step.AWAIT_VERIFICATION)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "injected fault at await_verification", FailureType.INJECTED_FAULT.name());
    }
    if (!Workflow.await(timeout, () -> verified != null)) {
      String reason = "verification timed out after " + timeout;
      audit("timeout", Map.of("timeout", timeout.toString()));
      throw ApplicationFailure.newNonRetryableFailure(
          reason, FailureType.VERIFICATION_TIMEOUT.name());
    }
    Map<String, String> detail = new LinkedHashMap<>();
    if (verified.verifiedBy() != null) {
      detail.put("verified_by", verified.verifiedBy());
    }
    if (bookkeepingInParallel) {
      Promise<Void> audited = Async.procedure(() -> audit("verified", detail));
      registry.markVerified(input(null));
      audited.get();
    } else {
      audit("verified", detail);
      registry.markVerified(input(null));
    }
  }

  /** The welcome mail; a failure is recorded but never undoes the tenant. */
  private boolean sendWelcomeEmail() {
    Step step = Step.SEND_WELCOME_EMAIL;
    running(step);
    try {
      welcomeMail.sendWelcomeEmail(input(step));
      finish(step, StepProgress.DONE, null);
      return true;
    } catch (ActivityFailure failure) {
      String reason = describe(failure);
      finish(step, StepProgress.FAILED, reason);
      log.warn("tenant {}: welcome mail failed; the tenant stays active", request.tenantId());
      Workflow.newDetachedCancellationScope(
              () -> audit(step, "failed", Map.of("reason", reason, "undone", "false")))
          .run();
      return false;
    }
  }

  /** Runs every registered undo in reverse order, even when the workflow was cancelled. */
  private ProvisioningResult rollBack(TemporalFailure failure) {
    boolean cancelled = isCancellation(failure);
    failedStep = current == null ? null : current.stepName();
    failureReason = cancelled ? "provisioning cancelled" : describe(failure);
    if (current != null) {
      finish(current, StepProgress.FAILED, failureReason);
    }
    log.warn("tenant {}: step {} failed; rolling back", request.tenantId(), failedStep);

    List<String> failedUndos = new ArrayList<>();
    Workflow.newDetachedCancellationScope(
            () -> {
              if (cancelled) {
                audit(current, "cancelled", Map.of());
              }
              for (int i = undos.size() - 1; i >= 0; i--) {
                Undo undo = undos.get(i);
                try {
                  undo.action().run();
                  if (undo.step() != current) {
                    finish(undo.step(), StepProgress.COMPENSATED, null);
                  }
                } catch (ActivityFailure undoFailure) {
                  String why = describe(undoFailure);
                  failedUndos.add(undo.name() + " (" + why + ")");
                  StepProgress was = steps.get(undo.step());
                  steps.put(
                      undo.step(),
                      new StepProgress(
                          was.name(),
                          StepProgress.FAILED,
                          was.startedAt(),
                          now(),
                          truncate("compensation " + undo.name() + " failed: " + why)));
                  log.error("tenant {}: compensation {} failed", request.tenantId(), undo.name());
                }
              }
              if (!failedUndos.isEmpty()) {
                markRollbackFailed(failedUndos);
              }
            })
        .run();

    status = failedUndos.isEmpty() ? FAILED : ROLLBACK_FAILED;
    if (cancelled) {
      throw new CanceledFailure("provisioning cancelled; rollback ended " + status);
    }
    return new ProvisioningResult(request.tenantId(), status, failedStep, failureReason, false);
  }

  private void markRollbackFailed(List<String> failedUndos) {
    String reason =
        truncate(
            "step "
                + failedStep
                + " failed ("
                + failureReason
                + "); compensations that failed: "
                + String.join(", ", failedUndos));
    try {
      registry.markRollbackFailed(new FailureRecord(request.tenantId(), failedStep, reason));
    } catch (ActivityFailure e) {
      // Nothing more the workflow can do; the result and the query still say ROLLBACK_FAILED.
      log.error("tenant {}: could not record ROLLBACK_FAILED", request.tenantId());
    }
  }

  private void onUndo(Step step, String name, Runnable action) {
    undos.add(new Undo(step, name, action));
  }

  private void step(Step step, Runnable call) {
    running(step);
    call.run();
    finish(step, StepProgress.DONE, null);
  }

  private void running(Step step) {
    current = step;
    steps.put(step, new StepProgress(step.stepName(), StepProgress.RUNNING, now(), null, null));
  }

  private void finish(Step step, String state, String error) {
    StepProgress was = steps.get(step);
    steps.put(step, new StepProgress(was.name(), state, was.startedAt(), now(), error));
  }

  /** Input of a call; {@code step} null for calls fault injection never targets (the undos). */
  private StepInput input(Step step) {
    return new StepInput(request.tenantId(), request.subdomain(), step != null && injects(step));
  }

  private boolean injects(Step step) {
    return step.stepName().equals(request.injectFault());
  }

  private void audit(String outcome, Map<String, String> detail) {
    audit(Step.AWAIT_VERIFICATION, outcome, detail);
  }

  /** An audit row for a workflow event; a failed audit write must not fail provisioning. */
  private void audit(Step step, String outcome, Map<String, String> detail) {
    String stepName = step == null ? null : step.stepName();
    try {
      registry.recordAudit(
          new AuditRecord(
              request.tenantId(), ACTOR, "provision_tenant", stepName, outcome, detail));
    } catch (ActivityFailure e) {
      log.warn("tenant {}: audit of {} {} failed", request.tenantId(), stepName, outcome);
    }
  }

  private static boolean isCancellation(Throwable failure) {
    return failure instanceof CanceledFailure || failure.getCause() instanceof CanceledFailure;
  }

  /** A reason fit for the audit log and the API: the failure type and message, never a stack. */
  static String describe(Throwable failure) {
    Throwable cause =
        failure instanceof ActivityFailure && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String reason;
    if (cause instanceof ApplicationFailure app) {
      reason = app.getType() + ": " + app.getOriginalMessage();
    } else if (cause instanceof TimeoutFailure timeout) {
      reason = "timed out (" + timeout.getTimeoutType() + ")";
    } else if (cause instanceof CanceledFailure) {
      reason = "cancelled";
    } else if (cause instanceof TemporalFailure temporal) {
      reason = temporal.getOriginalMessage();
    } else {
      reason = String.valueOf(cause.getMessage());
    }
    return truncate(reason);
  }

  private static String truncate(String text) {
    return text.length() <= MAX_REASON ? text : text.substring(0, MAX_REASON) + "...";
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }

  @Override
  public void emailVerified(EmailVerified signal) {
    if (verified == null) {
      verified = signal == null ? new EmailVerified(null) : signal;
    }
  }

  @Override
  public ProvisioningProgress progress() {
    UUID tenantId = request == null ? null : request.tenantId();
    return new ProvisioningProgress(tenantId, status, List.copyOf(steps.values()));
  }
}
