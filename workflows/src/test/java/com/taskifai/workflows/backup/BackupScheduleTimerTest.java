package com.taskifai.workflows.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fallback where the server has no schedules: the timer loop wakes at the tenant's slot of
 * every day (days skipped in test time), backs up, applies retention whether the backup worked or
 * not, and continues as new; one scheduled run alone does the same step.
 */
class BackupScheduleTimerTest {
  private static final long DAY = 86_400;
  static final List<Long> BACKUP_TIMES = new CopyOnWriteArrayList<>();
  static volatile int failRun = -1;

  private TestWorkflowEnvironment env;
  private final Retention retention = new Retention();

  /** A backup that records when it ran (test time); fails on run {@link #failRun}. */
  public static class RecordingBackup implements BackupTenantWorkflow {
    @Override
    public String backup(BackupRequest request) {
      int run = BACKUP_TIMES.size();
      BACKUP_TIMES.add(Workflow.currentTimeMillis() / 1000);
      if (run == failRun) {
        throw ApplicationFailure.newNonRetryableFailure("store down", "UNAVAILABLE");
      }
      return request.backupId().toString();
    }
  }

  @BeforeEach
  void start() {
    BACKUP_TIMES.clear();
    failRun = -1;
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        BackupScheduleWorkflowImpl.class, ScheduledBackupWorkflowImpl.class, RecordingBackup.class);
    worker.registerActivitiesImplementations(retention);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
        .setWorkflowId(id)
        .build();
  }

  @Test
  void theLoopBacksUpAtTheTenantsSlotEveryDayAndContinuesAsNew() {
    UUID tenant = UUID.randomUUID();
    long slot = BackupScheduleWorkflow.slotOf(tenant);
    failRun = 1;
    BackupScheduleWorkflow loop =
        env.getWorkflowClient()
            .newWorkflowStub(
                BackupScheduleWorkflow.class, options(BackupScheduleWorkflow.workflowId(tenant)));
    long startedAt = env.currentTimeMillis() / 1000;
    WorkflowClient.start(
        loop::run, new BackupScheduleWorkflow.ScheduleRequest(tenant, slot, DAY, 30, 3, 3));
    WorkflowStub.fromTyped(loop).getResult(Void.class);

    assertThat(BACKUP_TIMES).hasSize(3);
    assertThat(BACKUP_TIMES).allSatisfy(t -> assertThat(Math.floorMod(t, DAY)).isEqualTo(slot));
    assertThat(BACKUP_TIMES.get(0)).isGreaterThan(startedAt).isLessThanOrEqualTo(startedAt + DAY);
    assertThat(BACKUP_TIMES.get(1) - BACKUP_TIMES.get(0)).isEqualTo(DAY);
    assertThat(BACKUP_TIMES.get(2) - BACKUP_TIMES.get(1)).isEqualTo(DAY);
    // Retention after every run, the failed one included, with the configured numbers.
    assertThat(retention.calls)
        .containsExactly(tenant + ":30:3", tenant + ":30:3", tenant + ":30:3");
    // Continued as new: the last run's history holds one day only (one timer).
    assertThat(
            env
                .getWorkflowClient()
                .fetchHistory(BackupScheduleWorkflow.workflowId(tenant))
                .getEvents()
                .stream()
                .filter(e -> e.hasTimerStartedEventAttributes())
                .count())
        .isEqualTo(1);
    RecordedHistories.record(
        env.getWorkflowClient(),
        BackupScheduleWorkflow.workflowId(tenant),
        "backup-schedule-last-day");
  }

  @Test
  void oneScheduledRunBacksUpOnceAndAppliesRetentionEvenWhenTheBackupFails() {
    UUID tenant = UUID.randomUUID();
    ScheduledBackupWorkflow run =
        env.getWorkflowClient()
            .newWorkflowStub(
                ScheduledBackupWorkflow.class, options(ScheduledBackupWorkflow.workflowId(tenant)));
    String id = run.run(new ScheduledBackupWorkflow.ScheduledBackupRequest(tenant, 7, 2));
    assertThat(id).isNotNull();

    failRun = 1;
    ScheduledBackupWorkflow failing =
        env.getWorkflowClient()
            .newWorkflowStub(
                ScheduledBackupWorkflow.class,
                options(ScheduledBackupWorkflow.workflowId(tenant) + "-2"));
    assertThat(failing.run(new ScheduledBackupWorkflow.ScheduledBackupRequest(tenant, 7, 2)))
        .isNull();
    assertThat(retention.calls).containsExactly(tenant + ":7:2", tenant + ":7:2");
    RecordedHistories.record(
        env.getWorkflowClient(),
        ScheduledBackupWorkflow.workflowId(tenant) + "-2",
        "scheduled-backup-failed");
  }

  /** Records retention; the rest of the port is not used here. */
  static final class Retention implements BackupActivities {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public List<UUID> applyRetention(UUID tenantId, long retentionDays, int keepNewest) {
      calls.add(tenantId + ":" + retentionDays + ":" + keepNewest);
      return List.of();
    }

    @Override
    public void claimOperation(UUID tenantId, String operation, String operationId) {}

    @Override
    public void releaseOperation(UUID tenantId, String operationId) {}

    @Override
    public BackupSummary dumpDatabase(BackupInput input) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void failBackup(BackupInput input, String reason) {}

    @Override
    public RestoreTarget prepareRestore(BackupInput input, String restoreId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void restoreDatabase(BackupInput input, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void verifyRestore(BackupInput input, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void swapDatabase(BackupInput input, RestoreTarget target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void undoSwapDatabase(BackupInput input, RestoreTarget target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void sealRestoredCopy(BackupInput input, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void dropRetiredDatabase(UUID tenantId, String database) {}

    @Override
    public void deleteBackup(UUID tenantId, UUID backupId) {}

    @Override
    public boolean finalBackupNeeded(UUID tenantId) {
      return false;
    }

    @Override
    public List<UUID> expireDeletedTenantBackups(long finalRetentionDays, long retentionDays) {
      return List.of();
    }

    @Override
    public List<UUID> backupTenants() {
      return List.of();
    }

    @Override
    public void removeBackupSchedule(UUID tenantId) {}
  }
}
