package com.taskifai.workflows.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.RecordingActivities;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.saga.StepProgress;
import com.taskifai.workflows.saga.StepState;
import com.taskifai.workflows.testing.HistoryText;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.activity.DynamicActivity;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowHistoryLoader;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProvisionTenantWorkflowTest {

  /** Recorded before the short steps became local activities: activities throughout. */
  static final String HAPPY_HISTORY = "histories/provision-happy-path.json";

  /** Recorded with the short steps as local activities ({@code local-steps} version 1). */
  static final String LOCAL_STEPS_HISTORY = "histories/provision-local-steps.json";

  /** The steps (and bookkeeping writes) that run as local activities, in order. */
  private static final List<String> LOCAL_STEPS =
      List.of(
          "reserve_tenant",
          "place_database",
          "store_credentials",
          "migrate_schema",
          "seed_vendor_configs",
          "apply_rls",
          "create_admin_user",
          "mark_awaiting_verification",
          "mark_verified",
          "activate_tenant");

  /** The undos of a failure after configure_dns, in the order the saga must run them. */
  private static final List<String> EVERY_UNDO =
      List.of(
          "undo_configure_dns",
          "undo_store_credentials",
          "undo_create_database",
          "undo_reserve_tenant");

  private static final List<Step> STEPS_WITH_UNDO =
      List.of(
          Step.RESERVE_TENANT, Step.CREATE_DATABASE, Step.STORE_CREDENTIALS, Step.CONFIGURE_DNS);
  private static final UUID TENANT = UUID.fromString("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
  private static final String SUBDOMAIN = "acme";

  private TestWorkflowEnvironment env;
  private RecordingActivities activities;
  private final List<String> trialCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
  private WorkflowClient client;

  @BeforeEach
  void startTemporal() {
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new FaultInjection())
                        .build())
                .build());
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(ProvisionTenantWorkflowImpl.class);
    activities = new RecordingActivities();
    // The trial activities have no stand-in of their own: recorded by type, they do nothing.
    worker.registerActivitiesImplementations(
        activities,
        (DynamicActivity)
            args -> {
              trialCalls.add(Activity.getExecutionContext().getInfo().getActivityType());
              return null;
            });
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stopTemporal() {
    env.close();
  }

  private ProvisionTenantWorkflow start(String injectFault, Duration verificationTimeout) {
    ProvisionTenantWorkflow workflow =
        client.newWorkflowStub(
            ProvisionTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(ProvisionTenantWorkflow.workflowId(SUBDOMAIN))
                .setMemo(FaultInjection.memo(injectFault))
                .build());
    WorkflowClient.start(
        workflow::provision,
        new ProvisionTenantRequest(
            TENANT,
            SUBDOMAIN,
            "Acme GmbH",
            "admin@acme.test",
            "eu-central-1",
            "ops@taskifai.test",
            verificationTimeout));
    return workflow;
  }

  private static ProvisioningResult resultOf(ProvisionTenantWorkflow workflow) {
    return WorkflowStub.fromTyped(workflow).getResult(ProvisioningResult.class);
  }

  private static StepProgress stepOf(ProvisioningProgress progress, Step step) {
    return progress.steps().stream()
        .filter(s -> s.name().equals(step.stepName()))
        .findFirst()
        .orElseThrow();
  }

  /** The undos registered up to and including the failing step, in reverse order. */
  private static List<String> undosThrough(Step failing) {
    List<String> undos = new ArrayList<>();
    for (Step step : STEPS_WITH_UNDO) {
      if (step.ordinal() <= failing.ordinal()) {
        undos.add(0, "undo_" + step.stepName());
      }
    }
    return undos;
  }

  static Stream<Step> stepsThatRollBack() {
    return Arrays.stream(Step.values()).filter(s -> s != Step.SEND_WELCOME_EMAIL);
  }

  @ParameterizedTest
  @MethodSource("stepsThatRollBack")
  void permanentFailureAtAStepUndoesTheStepsBeforeItInReverseOrder(Step failing) {
    ProvisionTenantWorkflow workflow = start(failing.stepName(), null);
    workflow.emailVerified(new EmailVerified("admin@acme.test"));

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo(failing.stepName());
    assertThat(result.reason()).startsWith("INJECTED_FAULT");
    assertThat(activities.rollbackCalls()).containsExactlyElementsOf(undosThrough(failing));
    for (Step later : Step.values()) {
      if (later.ordinal() > failing.ordinal()) {
        assertThat(activities.calls()).doesNotContain(later.stepName());
      }
    }
    assertThat(activities.failureRecords())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.step()).isEqualTo(failing.stepName());
              assertThat(record.reason()).contains("injected fault");
            });

    ProvisioningProgress progress = workflow.progress();
    assertThat(progress.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(stepOf(progress, failing).state()).isEqualTo(StepState.FAILED);
    assertThat(stepOf(progress, failing).error()).contains("injected fault");
    for (Step step : STEPS_WITH_UNDO) {
      if (step.ordinal() < failing.ordinal()) {
        assertThat(stepOf(progress, step).state()).isEqualTo(StepState.COMPENSATED);
      }
    }
    for (Step step : Step.values()) {
      if (step.ordinal() > failing.ordinal()) {
        assertThat(stepOf(progress, step).state()).isEqualTo(StepState.PENDING);
      }
    }
  }

  static Stream<Step> stepsWithUndo() {
    return STEPS_WITH_UNDO.stream();
  }

  @ParameterizedTest
  @MethodSource("stepsWithUndo")
  void faultAfterAStepThatDidItsWorkUndoesThatStepToo(Step failing) {
    ProvisionTenantWorkflow workflow = start(failing.stepName() + ":after", null);

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo(failing.stepName());
    assertThat(result.reason())
        .isEqualTo("INJECTED_FAULT: injected fault after " + failing.stepName());
    // The step ran (its effect happened), then its own undo ran first.
    assertThat(activities.calls()).contains(failing.stepName());
    assertThat(activities.rollbackCalls()).containsExactlyElementsOf(undosThrough(failing));
    assertThat(activities.rollbackCalls().get(0)).isEqualTo("undo_" + failing.stepName());
  }

  @Test
  void faultBeforeAStepKeepsItsEffectFromHappening() {
    ProvisionTenantWorkflow workflow = start(Step.CREATE_DATABASE.stepName(), null);

    assertThat(resultOf(workflow).status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(activities.calls()).doesNotContain("create_database").contains("place_database");
    assertThat(activities.rollbackCalls())
        .containsExactly("undo_create_database", "undo_reserve_tenant");
  }

  @Test
  void verifiedTenantBecomesActiveWithEveryStepDone() {
    ProvisionTenantWorkflow workflow = start(null, null);
    workflow.emailVerified(new EmailVerified("admin@acme.test"));

    ProvisioningResult result = resultOf(workflow);

    assertThat(result)
        .isEqualTo(new ProvisioningResult(TENANT, WorkflowStatus.ACTIVE, null, null, true));
    assertThat(activities.calls())
        .filteredOn(c -> !c.equals("record_audit"))
        .containsExactly(
            "reserve_tenant",
            "place_database",
            "create_database",
            "store_credentials",
            "configure_dns",
            "migrate_schema",
            "seed_vendor_configs",
            "apply_rls",
            "create_admin_user",
            "send_verification_email",
            "mark_awaiting_verification",
            "mark_verified",
            "activate_tenant",
            "send_welcome_email");
    ProvisioningProgress progress = workflow.progress();
    assertThat(progress.tenantId()).isEqualTo(TENANT);
    assertThat(progress.status()).isEqualTo(WorkflowStatus.ACTIVE);
    assertThat(progress.steps())
        .extracting(StepProgress::name)
        .containsExactly(Arrays.stream(Step.values()).map(Step::stepName).toArray(String[]::new));
    assertThat(progress.steps())
        .allSatisfy(
            step -> {
              assertThat(step.state()).isEqualTo(StepState.DONE);
              assertThat(step.startedAt()).isNotNull();
              assertThat(step.finishedAt()).isAfterOrEqualTo(step.startedAt());
            });
    assertThat(activities.audits())
        .extracting(AuditRecord::outcome)
        .containsExactly(Outcome.STARTED, Outcome.VERIFIED);
  }

  @Test
  void aTrialIsRegisteredInItsServersSharedDatabaseWithNoDatabaseRoleOrDnsOfItsOwn() {
    ProvisionTenantWorkflow workflow =
        client.newWorkflowStub(
            ProvisionTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(ProvisionTenantWorkflow.workflowId(SUBDOMAIN))
                .build());
    WorkflowClient.start(
        workflow::provision,
        new ProvisionTenantRequest(
            TENANT,
            SUBDOMAIN,
            "Acme GmbH",
            "admin@acme.test",
            "eu-central-1",
            "ops@taskifai.test",
            null,
            null,
            ProvisionTenantRequest.TRIAL));
    workflow.emailVerified(new EmailVerified("admin@acme.test"));

    assertThat(resultOf(workflow).status()).isEqualTo(WorkflowStatus.ACTIVE);
    assertThat(trialCalls).containsExactly("place_trial", "register_trial_tenant");
    assertThat(activities.calls())
        .doesNotContain("create_database", "store_credentials", "configure_dns", "migrate_schema")
        .contains("reserve_tenant", "place_database", "activate_tenant", "send_welcome_email");
    assertThat(workflow.progress().steps())
        .extracting(StepProgress::name)
        .containsExactlyElementsOf(ProvisioningSteps.TRIAL);
    RecordedHistories.record(
        client, ProvisionTenantWorkflow.workflowId(SUBDOMAIN), "provision-trial");
  }

  @Test
  void waitsForVerificationInAwaitingVerificationUntilTheSignalArrives() throws Exception {
    ProvisionTenantWorkflow workflow = start(null, Duration.ofDays(1));

    ProvisioningProgress progress = awaitStatus(workflow, WorkflowStatus.AWAITING_VERIFICATION);

    assertThat(stepOf(progress, Step.SEND_VERIFICATION_EMAIL).state()).isEqualTo(StepState.DONE);
    assertThat(stepOf(progress, Step.AWAIT_VERIFICATION).state()).isEqualTo(StepState.RUNNING);
    assertThat(activities.calls()).doesNotContain("activate_tenant");

    workflow.emailVerified(new EmailVerified("admin@acme.test"));
    assertThat(resultOf(workflow).status()).isEqualTo(WorkflowStatus.ACTIVE);
  }

  @Test
  void failedWelcomeMailLeavesTheTenantActive() {
    activities.down.add("send_welcome_email");
    ProvisionTenantWorkflow workflow = start(null, null);
    workflow.emailVerified(new EmailVerified("admin@acme.test"));

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.ACTIVE);
    assertThat(result.welcomeEmailSent()).isFalse();
    assertThat(activities.rollbackCalls()).isEmpty();
    // Bounded retry: five attempts, then the failure is recorded instead of blocking the tenant.
    assertThat(activities.calls()).filteredOn("send_welcome_email"::equals).hasSize(5);
    assertThat(activities.audits())
        .anySatisfy(
            audit -> {
              assertThat(audit.step()).isEqualTo("send_welcome_email");
              assertThat(audit.outcome()).isEqualTo(Outcome.FAILED);
            });
    ProvisioningProgress progress = workflow.progress();
    assertThat(progress.status()).isEqualTo(WorkflowStatus.ACTIVE);
    assertThat(stepOf(progress, Step.SEND_WELCOME_EMAIL).state()).isEqualTo(StepState.FAILED);
  }

  @Test
  void cancellationWhileAwaitingVerificationCompensatesEveryStep() throws Exception {
    ProvisionTenantWorkflow workflow = start(null, null);
    awaitStatus(workflow, WorkflowStatus.AWAITING_VERIFICATION);

    WorkflowStub.fromTyped(workflow).cancel();

    assertThatThrownBy(() -> resultOf(workflow))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertThat(activities.rollbackCalls())
        .containsExactly(
            "undo_configure_dns",
            "undo_store_credentials",
            "undo_create_database",
            "undo_reserve_tenant");
    assertThat(activities.failureRecords())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.step()).isEqualTo("await_verification");
              assertThat(record.reason()).isEqualTo("provisioning cancelled");
            });
    assertThat(activities.audits()).extracting(AuditRecord::outcome).contains(Outcome.CANCELLED);
    assertThat(workflow.progress().status()).isEqualTo(WorkflowStatus.FAILED);
  }

  @Test
  void verificationTimeoutCompensatesEveryStep() {
    ProvisionTenantWorkflow workflow = start(null, Duration.ofHours(48));

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo("await_verification");
    assertThat(result.reason()).contains("verification timed out after PT48H");
    // The mail's link lives exactly as long as the wait: both come from the request.
    assertThat(activities.verificationLinkLifetime()).isEqualTo(Duration.ofHours(48));
    assertThat(activities.rollbackCalls())
        .containsExactly(
            "undo_configure_dns",
            "undo_store_credentials",
            "undo_create_database",
            "undo_reserve_tenant");
    assertThat(activities.calls()).doesNotContain("activate_tenant", "mark_verified");
    assertThat(activities.audits())
        .extracting(AuditRecord::outcome)
        .containsExactly(Outcome.STARTED, Outcome.TIMEOUT);
  }

  @Test
  void compensationThatKeepsFailingEndsRollbackFailedAfterTheOtherCompensationsRan() {
    activities.down.add("undo_configure_dns");
    ProvisionTenantWorkflow workflow = start(Step.MIGRATE_SCHEMA.stepName(), null);

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.ROLLBACK_FAILED);
    assertThat(result.failedStep()).isEqualTo("migrate_schema");
    assertThat(activities.rollbackCalls())
        .containsExactly(
            "undo_configure_dns",
            "undo_configure_dns",
            "undo_configure_dns",
            "undo_configure_dns",
            "undo_configure_dns",
            "undo_store_credentials",
            "undo_create_database",
            "undo_reserve_tenant",
            "mark_rollback_failed");
    assertThat(activities.failureRecords())
        .last()
        .satisfies(
            record -> {
              assertThat(record.step()).isEqualTo("migrate_schema");
              assertThat(record.reason()).contains("undo_configure_dns").contains("UNAVAILABLE");
            });
    ProvisioningProgress progress = workflow.progress();
    assertThat(progress.status()).isEqualTo(WorkflowStatus.ROLLBACK_FAILED);
    assertThat(stepOf(progress, Step.CONFIGURE_DNS).state()).isEqualTo(StepState.FAILED);
    assertThat(stepOf(progress, Step.CONFIGURE_DNS).error()).contains("undo_configure_dns");
    assertThat(stepOf(progress, Step.STORE_CREDENTIALS).state()).isEqualTo(StepState.COMPENSATED);
  }

  @Test
  void happyPathHistoryReplaysWithTheCurrentCode() throws Exception {
    ProvisionTenantWorkflow workflow = start(null, null);
    workflow.emailVerified(new EmailVerified("admin@acme.test"));
    resultOf(workflow);
    WorkflowExecutionHistory history =
        client.fetchHistory(ProvisionTenantWorkflow.workflowId(SUBDOMAIN));

    WorkflowReplayer.replayWorkflowExecution(history, ProvisionTenantWorkflowImpl.class);

    // The old shape stays in HAPPY_HISTORY; a new recording is of the current shape.
    RecordedHistories.record(history, "provision-local-steps");
  }

  @Test
  void recordedHappyPathHistoryStillReplays() throws Exception {
    // A change that makes the workflow issue different commands for an old history fails here.
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        HAPPY_HISTORY, ProvisionTenantWorkflowImpl.class);
    // It is the old shape: every step an activity, no version marker, no local activity.
    WorkflowExecutionHistory old = WorkflowHistoryLoader.readHistoryFromResource(HAPPY_HISTORY);
    assertThat(scheduledActivities(old)).containsAll(LOCAL_STEPS);
    assertThat(localActivities(old)).isEmpty();
  }

  @Test
  void recordedLocalStepsHistoryStillReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        LOCAL_STEPS_HISTORY, ProvisionTenantWorkflowImpl.class);
    WorkflowExecutionHistory recorded =
        WorkflowHistoryLoader.readHistoryFromResource(LOCAL_STEPS_HISTORY);
    assertThat(localActivities(recorded)).containsAll(LOCAL_STEPS);
  }

  @Test
  void shortStepsRunAsLocalActivitiesInFewerWorkflowTasks() throws Exception {
    ProvisionTenantWorkflow workflow = start(null, null);
    workflow.emailVerified(new EmailVerified("admin@acme.test"));
    assertThat(resultOf(workflow).status()).isEqualTo(WorkflowStatus.ACTIVE);
    WorkflowExecutionHistory history =
        client.fetchHistory(ProvisionTenantWorkflow.workflowId(SUBDOMAIN));

    // Only the steps that wait, heartbeat or retry for minutes go through the server's queue.
    assertThat(scheduledActivities(history))
        .containsExactly(
            "create_database", "configure_dns", "send_verification_email", "send_welcome_email");
    assertThat(localActivities(history))
        .filteredOn(type -> !type.equals("record_audit"))
        .containsExactlyElementsOf(LOCAL_STEPS);
    // The audit rows of the verification wait (started, verified) are local too.
    assertThat(localActivities(history)).filteredOn("record_audit"::equals).hasSize(2);
    WorkflowExecutionHistory old = WorkflowHistoryLoader.readHistoryFromResource(HAPPY_HISTORY);
    assertThat(workflowTasks(history)).isLessThanOrEqualTo(7).isLessThan(workflowTasks(old) / 2);
  }

  @Test
  void faultAfterALocalStepFailsItOnceAndUndoesTheEarlierStepsInReverseOrder() {
    ProvisionTenantWorkflow workflow = start("apply_rls:after", null);

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo("apply_rls");
    assertThat(result.reason()).isEqualTo("INJECTED_FAULT: injected fault after apply_rls");
    // The injected fault reached the local activity's worker side: the effect ran, once, and
    // the non-retryable failure was not retried.
    assertThat(activities.calls()).filteredOn("apply_rls"::equals).hasSize(1);
    assertThat(activities.calls()).doesNotContain("create_admin_user", "send_verification_email");
    assertThat(activities.rollbackCalls()).containsExactlyElementsOf(EVERY_UNDO);
    WorkflowExecutionHistory history =
        client.fetchHistory(ProvisionTenantWorkflow.workflowId(SUBDOMAIN));
    assertThat(localActivities(history)).contains("apply_rls", "store_credentials");
    assertThat(scheduledActivities(history))
        .doesNotContain("apply_rls")
        .endsWith(EVERY_UNDO.toArray(String[]::new));
    ProvisioningProgress progress = workflow.progress();
    assertThat(stepOf(progress, Step.APPLY_RLS).state()).isEqualTo(StepState.FAILED);
    assertThat(stepOf(progress, Step.MIGRATE_SCHEMA).state()).isEqualTo(StepState.DONE);
    assertThat(stepOf(progress, Step.STORE_CREDENTIALS).state()).isEqualTo(StepState.COMPENSATED);
    assertThat(stepOf(progress, Step.RESERVE_TENANT).state()).isEqualTo(StepState.COMPENSATED);
    assertThat(stepOf(progress, Step.CREATE_ADMIN_USER).state()).isEqualTo(StepState.PENDING);
    RecordedHistories.record(history, "provision-apply-rls-fails");
  }

  @Test
  void outageOfALocalStepFailsItAfterTheBoundedRetriesAndCompensates() {
    activities.down.add("apply_rls");
    ProvisionTenantWorkflow workflow = start(null, null);

    ProvisioningResult result = resultOf(workflow);

    assertThat(result.status()).isEqualTo(WorkflowStatus.FAILED);
    assertThat(result.failedStep()).isEqualTo("apply_rls");
    assertThat(result.reason()).isEqualTo("UNAVAILABLE: apply_rls is down");
    // STEP_RETRY's ten attempts, as when the step was an activity.
    assertThat(activities.calls()).filteredOn("apply_rls"::equals).hasSize(10);
    assertThat(activities.rollbackCalls()).containsExactlyElementsOf(EVERY_UNDO);
    // The short back-offs (1, 2, 4, 8 s) ran in the worker; the long ones (16 s, then 30 s) as
    // durable workflow timers.
    WorkflowExecutionHistory history =
        client.fetchHistory(ProvisionTenantWorkflow.workflowId(SUBDOMAIN));
    assertThat(
            history.getEvents().stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED)
                .count())
        .isEqualTo(5);
    RecordedHistories.record(history, "provision-apply-rls-down");
  }

  @Test
  void cancellationWhileALocalStepRunsStopsBeforeTheNextStepAndCompensates() throws Exception {
    // Longer than 80% of the 10 s workflow task timeout: the SDK completes the task meanwhile
    // (a workflow-task heartbeat), so the cancellation reaches the workflow while the step runs.
    activities.slow.put("migrate_schema", Duration.ofSeconds(9));
    ProvisionTenantWorkflow workflow = start(null, null);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!activities.calls().contains("configure_dns") && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(500);

    WorkflowStub.fromTyped(workflow).cancel();

    assertThatThrownBy(() -> resultOf(workflow))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    // The running local step finished (it cannot be cancelled); the next one never started.
    assertThat(activities.calls()).contains("migrate_schema").doesNotContain("seed_vendor_configs");
    assertThat(activities.rollbackCalls()).containsExactlyElementsOf(EVERY_UNDO);
    assertThat(activities.failureRecords())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.step()).isEqualTo("seed_vendor_configs");
              assertThat(record.reason()).isEqualTo("provisioning cancelled");
            });
  }

  /** The activity types a history scheduled through the server's task queue, in order. */
  private static List<String> scheduledActivities(WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .toList();
  }

  /** The activity types a history ran as local activities (one marker each), in order. */
  private static List<String> localActivities(WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED)
        .map(HistoryEvent::getMarkerRecordedEventAttributes)
        .filter(m -> m.getMarkerName().equals("LocalActivity"))
        .map(
            m ->
                DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                    0, Optional.of(m.getDetailsOrThrow("type")), String.class, String.class))
        .toList();
  }

  private static long workflowTasks(WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
        .count();
  }

  @Test
  void historyPayloadsCarryNoSecretFields() {
    ProvisionTenantWorkflow workflow = start(null, null);
    workflow.emailVerified(new EmailVerified("admin@acme.test"));
    resultOf(workflow);
    List<HistoryEvent> events =
        client.fetchHistory(ProvisionTenantWorkflow.workflowId(SUBDOMAIN)).getEvents();

    List<String> payloads = new ArrayList<>();
    events.forEach(event -> payloads.addAll(HistoryText.payloads(event)));

    // The request, every activity input and result, the signal and the result are all here.
    assertThat(payloads).anyMatch(p -> p.contains("admin@acme.test"));
    Pattern key = Pattern.compile("\"([A-Za-z_]+)\"\\s*:");
    for (String payload : payloads) {
      Matcher matcher = key.matcher(payload);
      while (matcher.find()) {
        assertThat(matcher.group(1).toLowerCase(Locale.ROOT))
            .doesNotContain("password", "secret", "token", "credential", "key");
      }
    }
  }

  private static ProvisioningProgress awaitStatus(
      ProvisionTenantWorkflow workflow, WorkflowStatus status) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    ProvisioningProgress progress = workflow.progress();
    while (!progress.status().equals(status) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      progress = workflow.progress();
    }
    assertThat(progress.status()).isEqualTo(status);
    return progress;
  }
}
