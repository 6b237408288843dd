package com.taskifai.activities.backup;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.backup.BackupScheduleWorkflow;
import com.taskifai.workflows.backup.ScheduledBackupWorkflow;
import com.taskifai.workflows.backup.ScheduledBackupWorkflow.ScheduledBackupRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The daily backup of each tenant on Temporal: a Temporal Schedule per tenant ({@link
 * ScheduledBackupWorkflow#scheduleId}, every day at the tenant's slot {@link
 * BackupScheduleWorkflow#slotOf}) where the server has schedules, else the durable timer loop
 * {@link BackupScheduleWorkflow} (the SDK's in-process test server has no schedules API). Which one
 * is chosen by {@link Mechanism} ({@code TASKIFAI_BACKUP_SCHEDULE_MECHANISM}); {@code auto} asks
 * the server once. Creating is idempotent (an existing schedule whose spec or arguments differ is
 * updated in place), and {@link #remove} deletes both kinds.
 */
public final class BackupScheduler {
  /** How the daily backups are driven. */
  public enum Mechanism {
    AUTO,
    SCHEDULE,
    TIMER,
    OFF;

    /** {@code TASKIFAI_BACKUP_SCHEDULE_MECHANISM}: auto (default), schedule, timer or off. */
    public static Mechanism fromEnvironment(Map<String, String> env) {
      String value = env.getOrDefault(ENV, "auto");
      try {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            ENV + " must be auto, schedule, timer or off, not '" + value + "'");
      }
    }
  }

  public static final String ENV = "TASKIFAI_BACKUP_SCHEDULE_MECHANISM";
  private static final Duration DAY = Duration.ofDays(1);

  private final WorkflowClient client;
  private final Duration period;
  private volatile ScheduleClient schedules;

  public BackupScheduler(WorkflowClient client) {
    this(client, DAY);
  }

  /**
   * @param period the time between two backups of a tenant (a day; tests may shorten it)
   */
  public BackupScheduler(WorkflowClient client, Duration period) {
    this.client = client;
    this.period = period;
  }

  /** Whether the server has the schedules API (the SDK's test server answers UNIMPLEMENTED). */
  public boolean serverHasSchedules() {
    try {
      schedules().listSchedules(1).findFirst();
      return true;
    } catch (RuntimeException e) {
      if (hasCode(e, Status.Code.UNIMPLEMENTED)) {
        return false;
      }
      throw e;
    }
  }

  /** The tenant's schedule: every period at the tenant's slot, one run at a time. */
  public Schedule schedule(UUID tenantId, long retentionDays, int keepNewest) {
    long slot = Math.floorMod(BackupScheduleWorkflow.slotOf(tenantId), period.toSeconds());
    return Schedule.newBuilder()
        .setAction(
            ScheduleActionStartWorkflow.newBuilder()
                .setWorkflowType(ScheduledBackupWorkflow.class)
                .setArguments(new ScheduledBackupRequest(tenantId, retentionDays, keepNewest))
                .setOptions(
                    WorkflowOptions.newBuilder()
                        .setWorkflowId(ScheduledBackupWorkflow.workflowId(tenantId))
                        .setTaskQueue(TaskQueues.PLATFORM)
                        .build())
                .build())
        .setSpec(
            ScheduleSpec.newBuilder()
                .setIntervals(List.of(new ScheduleIntervalSpec(period, Duration.ofSeconds(slot))))
                .build())
        .setPolicy(
            SchedulePolicy.newBuilder()
                .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP)
                .setCatchupWindow(Duration.ofHours(1))
                .build())
        .build();
  }

  /**
   * Creates the tenant's Temporal Schedule, or updates it when its spec or arguments differ.
   *
   * @return true when created or changed, false when it was as wanted already
   */
  public boolean ensureSchedule(UUID tenantId, long retentionDays, int keepNewest) {
    Schedule wanted = schedule(tenantId, retentionDays, keepNewest);
    ScheduledBackupRequest request =
        new ScheduledBackupRequest(tenantId, retentionDays, keepNewest);
    String id = ScheduledBackupWorkflow.scheduleId(tenantId);
    try {
      schedules().createSchedule(id, wanted, ScheduleOptions.newBuilder().build());
      // A platform switched from the timer loop: the schedule takes over, one backup a day.
      stopLoop(tenantId);
      return true;
    } catch (ScheduleAlreadyRunningException exists) {
      ScheduleHandle handle = schedules().getHandle(id);
      boolean[] changed = {false};
      handle.update(
          input -> {
            Schedule current = input.getDescription().getSchedule();
            if (sameSchedule(current, wanted, request)) {
              return null;
            }
            changed[0] = true;
            return new ScheduleUpdate(
                Schedule.newBuilder(wanted).setState(current.getState()).build());
          });
      return changed[0];
    }
  }

  private static boolean sameSchedule(
      Schedule current, Schedule wanted, ScheduledBackupRequest request) {
    if (!(current.getAction() instanceof ScheduleActionStartWorkflow action)
        || !current.getSpec().getIntervals().equals(wanted.getSpec().getIntervals())
        || !ScheduledBackupWorkflow.class.getSimpleName().equals(action.getWorkflowType())) {
      return false;
    }
    try {
      return request.equals(
          action.getArguments().get(0, ScheduledBackupRequest.class, ScheduledBackupRequest.class));
    } catch (RuntimeException unreadable) {
      return false;
    }
  }

  /**
   * Starts the tenant's timer loop unless it runs.
   *
   * @return true when started
   */
  public boolean ensureLoop(UUID tenantId, long retentionDays, int keepNewest) {
    BackupScheduleWorkflow stub =
        client.newWorkflowStub(
            BackupScheduleWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(BackupScheduleWorkflow.workflowId(tenantId))
                .setTaskQueue(TaskQueues.PLATFORM)
                .build());
    try {
      WorkflowClient.start(
          stub::run,
          new BackupScheduleWorkflow.ScheduleRequest(
              tenantId,
              BackupScheduleWorkflow.slotOf(tenantId),
              period.toSeconds(),
              retentionDays,
              keepNewest,
              0));
      // A platform switched from schedules: the loop takes over, one backup a day.
      deleteSchedule(tenantId);
      return true;
    } catch (WorkflowExecutionAlreadyStarted running) {
      return false;
    }
  }

  /**
   * Stops the tenant's daily backups: deletes its Temporal Schedule and terminates its timer loop.
   * Either one missing (or a server without schedules) counts as done, so this is idempotent.
   */
  public void remove(UUID tenantId) {
    deleteSchedule(tenantId);
    stopLoop(tenantId);
  }

  private void deleteSchedule(UUID tenantId) {
    try {
      schedules().getHandle(ScheduledBackupWorkflow.scheduleId(tenantId)).delete();
    } catch (RuntimeException e) {
      if (!hasCode(e, Status.Code.NOT_FOUND) && !hasCode(e, Status.Code.UNIMPLEMENTED)) {
        throw e;
      }
    }
  }

  private void stopLoop(UUID tenantId) {
    try {
      client
          .newUntypedWorkflowStub(BackupScheduleWorkflow.workflowId(tenantId))
          .terminate("daily backups of tenant " + tenantId + " stopped or moved");
    } catch (WorkflowNotFoundException gone) {
      // not running
    } catch (RuntimeException e) {
      if (!hasCode(e, Status.Code.NOT_FOUND)) {
        throw e;
      }
    }
  }

  private ScheduleClient schedules() {
    ScheduleClient s = schedules;
    if (s == null) {
      s =
          ScheduleClient.newInstance(
              client.getWorkflowServiceStubs(),
              ScheduleClientOptions.newBuilder()
                  .setNamespace(client.getOptions().getNamespace())
                  .build());
      schedules = s;
    }
    return s;
  }

  private static boolean hasCode(Throwable e, Status.Code code) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == code) {
        return true;
      }
    }
    return false;
  }
}
