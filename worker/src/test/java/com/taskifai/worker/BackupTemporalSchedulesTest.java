package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.activities.backup.BackupScheduler;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.registry.Backups;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.backup.BackupScheduleWorkflow;
import com.taskifai.workflows.backup.ScheduledBackupWorkflow;
import com.taskifai.workflows.backup.ScheduledBackupWorkflow.ScheduledBackupRequest;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.TenantOperation;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The daily backups on a real Temporal server (the Temporal CLI's dev server; skipped where it is
 * not installed): {@code auto} finds schedules, every active tenant gets one Temporal Schedule at
 * its slot of the day (taking over from a timer loop left by an earlier mechanism), a second pass
 * changes nothing, changed retention updates it in place, triggering it takes a real backup, and
 * offboarding deletes it.
 */
class BackupTemporalSchedulesTest {
  private static EmbeddedPlatform embedded;
  private static TemporalCliServer temporal;
  private static PlatformActivities activities;
  private static PlatformWorker worker;

  @BeforeAll
  static void start() throws Exception {
    Optional<Path> cli = TemporalCliServer.binary();
    Assumptions.assumeTrue(cli.isPresent(), "the Temporal CLI is not installed");
    embedded = new EmbeddedPlatform();
    embedded.env.put(
        "TASKIFAI_BACKUP_DIR", Files.createTempDirectory("taskifai-schedule-backups").toString());
    temporal = TemporalCliServer.start(cli.get());
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker =
        PlatformWorker.create(
            temporal.client,
            activities.implementations(),
            PlatformWorker.interceptors(activities, false),
            false);
    worker.start();
  }

  @AfterAll
  static void stop() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, temporal, embedded);
  }

  @Test
  void eachTenantGetsATemporalScheduleThatBacksUpAndOffboardingDeletesIt() throws Exception {
    UUID tenant = provision("tsched");
    Map<String, String> env = new HashMap<>(embedded.env);
    BackupSchedules schedules =
        new BackupSchedules(
            temporal.client,
            activities.backups(),
            BackupSettings.fromEnvironment(env),
            BackupScheduler.Mechanism.AUTO,
            Duration.ofDays(1));

    // A platform that ran the timer loop on this server before.
    BackupSchedules loops =
        new BackupSchedules(
            temporal.client,
            activities.backups(),
            BackupSettings.fromEnvironment(env),
            BackupScheduler.Mechanism.TIMER,
            Duration.ofDays(1));
    assertThat(loops.ensure()).isPositive();
    loops.close();
    assertThat(loopStatus(tenant))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

    assertThat(schedules.ensure()).isPositive();
    assertThat(schedules.mechanism()).isEqualTo("schedule");
    assertThat(schedules.ensure()).as("a second pass changes nothing").isZero();

    ScheduleHandle handle =
        ScheduleClient.newInstance(temporal.client.getWorkflowServiceStubs())
            .getHandle(ScheduledBackupWorkflow.scheduleId(tenant));
    ScheduleDescription described = handle.describe();
    assertThat(described.getSchedule().getSpec().getIntervals())
        .containsExactly(
            new ScheduleIntervalSpec(
                Duration.ofDays(1), Duration.ofSeconds(BackupScheduleWorkflow.slotOf(tenant))));
    ScheduleActionStartWorkflow action =
        (ScheduleActionStartWorkflow) described.getSchedule().getAction();
    assertThat(action.getWorkflowType()).isEqualTo("ScheduledBackupWorkflow");
    assertThat(
            action
                .getArguments()
                .get(0, ScheduledBackupRequest.class, ScheduledBackupRequest.class))
        .isEqualTo(new ScheduledBackupRequest(tenant, 30, 3));
    // The schedule took over: no timer loop beside it.
    assertThat(loopStatus(tenant))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);

    // Changed retention settings update the schedule in place.
    env.put("TASKIFAI_BACKUP_RETENTION_DAYS", "45");
    BackupSchedules changed =
        new BackupSchedules(
            temporal.client,
            activities.backups(),
            BackupSettings.fromEnvironment(env),
            BackupScheduler.Mechanism.SCHEDULE,
            Duration.ofDays(1));
    assertThat(changed.ensure()).isPositive();
    assertThat(
            ((ScheduleActionStartWorkflow) handle.describe().getSchedule().getAction())
                .getArguments()
                .get(0, ScheduledBackupRequest.class, ScheduledBackupRequest.class))
        .isEqualTo(new ScheduledBackupRequest(tenant, 45, 3));

    // Triggered now, the schedule takes a real backup.
    handle.trigger();
    Backups backups = new Backups(embedded.platform.platform());
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    List<Backups.Backup> taken = backups.forTenant(tenant);
    while (taken.stream().noneMatch(Backups.Backup::good)) {
      assertThat(System.nanoTime()).as("a scheduled backup within 90 s").isLessThan(deadline);
      Thread.sleep(250);
      taken = backups.forTenant(tenant);
    }
    assertThat(taken)
        .singleElement()
        .satisfies(b -> assertThat(b.trigger()).isEqualTo("scheduled"));

    // Offboarding takes its final backup and deletes the schedule.
    String subdomain =
        new TenantRegistry(embedded.platform.platform()).findById(tenant).orElseThrow().subdomain();
    assertThat(
            temporal
                .client
                .newWorkflowStub(
                    OffboardTenantWorkflow.class,
                    options(OffboardTenantWorkflow.workflowId(tenant)))
                .offboard(new TenantOperation(tenant, subdomain, "ops@taskifai.test")))
        .isEqualTo("DELETED");
    assertThatThrownBy(handle::describe).isInstanceOf(RuntimeException.class);
    assertThat(backups.finalBackup(tenant)).isPresent();
    // A deleted tenant gets no new schedule.
    assertThat(schedules.ensure()).isZero();
    assertThatThrownBy(handle::describe).isInstanceOf(RuntimeException.class);
    schedules.close();
    changed.close();
  }

  private static WorkflowExecutionStatus loopStatus(UUID tenant) {
    return temporal
        .client
        .newUntypedWorkflowStub(BackupScheduleWorkflow.workflowId(tenant))
        .describe()
        .getStatus();
  }

  private static UUID provision(String prefix) throws Exception {
    UUID tenant = UUID.randomUUID();
    String subdomain = prefix + "-" + tenant.toString().substring(0, 8);
    ProvisionTenantWorkflow flow =
        temporal.client.newWorkflowStub(
            ProvisionTenantWorkflow.class, options(ProvisionTenantWorkflow.workflowId(subdomain)));
    WorkflowClient.start(
        flow::provision,
        new ProvisionTenantRequest(
            tenant,
            subdomain,
            "Company " + subdomain,
            "admin@" + subdomain + ".test",
            "local",
            "e2e-test",
            Duration.ofMinutes(10)));
    flow.emailVerified(new EmailVerified("e2e"));
    assertThat(
            WorkflowStub.fromTyped(flow)
                .getResult(90, TimeUnit.SECONDS, ProvisioningResult.class)
                .status())
        .isEqualTo(WorkflowStatus.ACTIVE);
    return tenant;
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .setWorkflowExecutionTimeout(Duration.ofMinutes(3))
        .build();
  }
}
