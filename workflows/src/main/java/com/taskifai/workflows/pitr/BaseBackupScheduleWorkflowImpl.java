package com.taskifai.workflows.pitr;

import com.taskifai.workflows.ports.PitrActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/** One backup per run: base backup, timer, continue-as-new (history stays small). */
public class BaseBackupScheduleWorkflowImpl implements BaseBackupScheduleWorkflow {
  private static final Logger log = Workflow.getLogger(BaseBackupScheduleWorkflowImpl.class);

  // pgbackrest backup is one blocking process that does not report progress, so there is no
  // heartbeat; two hours covers a server of tens of GB, and a failed run waits for the next period.
  private final PitrActivities pitr =
      Workflow.newActivityStub(
          PitrActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofHours(2))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(10))
                      .setMaximumAttempts(3)
                      .build())
              .build());

  @Override
  public void run(ScheduleRequest request) {
    try {
      PitrActivities.BaseBackupResult result =
          pitr.baseBackup(new PitrActivities.BaseBackupRequest(request.serverId()));
      if (!result.backedUp()) {
        // The server's archive is gone: nothing to back up any more.
        return;
      }
    } catch (ActivityFailure e) {
      // The activity recorded why; the next period tries again.
      log.warn(
          "base backup of {} failed; next in {} s", request.serverId(), request.periodSeconds());
    }
    if (request.runs() == 1) {
      return;
    }
    Workflow.sleep(Duration.ofSeconds(Math.max(1, request.periodSeconds())));
    Workflow.continueAsNew(
        new ScheduleRequest(
            request.serverId(), request.periodSeconds(), Math.max(0, request.runs() - 1)));
  }
}
