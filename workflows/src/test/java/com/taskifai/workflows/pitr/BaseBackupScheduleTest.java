package com.taskifai.workflows.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.ports.PitrActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The base-backup loop of a server (activities replaced, days skipped in test time): a backup, a
 * period, a backup; a failed backup does not end the loop; a server whose archive is gone does.
 */
class BaseBackupScheduleTest {
  private static final long DAY = 86_400;

  private TestWorkflowEnvironment env;
  private final Recording pitr = new Recording();

  /** Records when each backup ran (test time); fails the attempts of run {@link #failRun}. */
  class Recording implements PitrActivities {
    final List<Long> times = new CopyOnWriteArrayList<>();
    volatile int failRun = -1;
    volatile boolean archiveGone;

    @Override
    public BaseBackupResult baseBackup(BaseBackupRequest request) {
      if (archiveGone) {
        return new BaseBackupResult(false, null);
      }
      int attempt = Activity.getExecutionContext().getInfo().getAttempt();
      if (attempt == 1) {
        times.add(env.currentTimeMillis() / 1000);
      }
      if (times.size() - 1 == failRun) {
        throw ApplicationFailure.newFailure("pgbackrest failed", "UNAVAILABLE");
      }
      return new BaseBackupResult(true, Instant.ofEpochSecond(times.get(0)));
    }

    @Override
    public List<String> archivingServers() {
      return List.of("pg-1");
    }
  }

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(BaseBackupScheduleWorkflowImpl.class);
    worker.registerActivitiesImplementations(pitr);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private BaseBackupScheduleWorkflow loop(String serverId) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            BaseBackupScheduleWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(BaseBackupScheduleWorkflow.workflowId(serverId))
                .build());
  }

  @Test
  void backsUpAtOnceThenOncePerPeriodAndAFailedBackupDoesNotEndTheLoop() {
    pitr.failRun = 1;
    long startedAt = env.currentTimeMillis() / 1000;

    loop("pg-1").run(new BaseBackupScheduleWorkflow.ScheduleRequest("pg-1", DAY, 3));

    assertThat(pitr.times).hasSize(3);
    assertThat(pitr.times.get(0) - startedAt).isLessThan(60);
    assertThat(pitr.times.get(1) - pitr.times.get(0)).isBetween(DAY, DAY + 60);
    assertThat(pitr.times.get(2) - pitr.times.get(1)).isBetween(DAY, DAY + 120);
  }

  @Test
  @org.junit.jupiter.api.Timeout(30) // runs=0 loops for ever unless the loop ends itself
  void aServerWhoseArchiveIsGoneEndsItsLoop() {
    pitr.archiveGone = true;

    loop("pg-gone").run(new BaseBackupScheduleWorkflow.ScheduleRequest("pg-gone", DAY, 0));

    assertThat(pitr.times).isEmpty();
    RecordedHistories.record(
        env.getWorkflowClient(),
        BaseBackupScheduleWorkflow.workflowId("pg-gone"),
        "base-backup-archive-gone");
  }
}
