package com.taskifai.api.scheduling;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A platform workflow that runs every interval, arranged by one mechanism chosen at start: a
 * Temporal Schedule on a server that has schedules, else (the SDK's in-process test server has
 * none) a timer-loop workflow that waits, works and continues as new. Either exists at most once; a
 * second API start finds it and leaves it. Either runs once at once when it is first arranged, then
 * every interval. The reconciler and the cost sampling use it.
 */
public final class PeriodicWorkflow {
  private static final Logger log = LoggerFactory.getLogger(PeriodicWorkflow.class);

  /** How the runs are arranged; {@code AUTO} takes a schedule where the server has them. */
  public enum Mechanism {
    AUTO,
    SCHEDULE,
    TIMER,
    OFF
  }

  /**
   * What runs: its name for the log, the schedule's id, the workflow the schedule starts with its
   * argument, and how to start the timer loop (a running loop must be left as it is).
   */
  public record Definition(
      String what,
      String scheduleId,
      Class<?> workflowType,
      Object scheduledArgument,
      Duration interval,
      Runnable startLoop) {}

  private final WorkflowClient client;
  private final Mechanism mechanism;
  private final Definition definition;
  private volatile String chosen = "none";

  /**
   * Starts a timer loop: {@code start} starts the workflow {@code workflowId} of {@code type} on
   * the platform task queue (an earlier, finished loop's id may be reused); one that runs already
   * is left as it is.
   */
  public static <W> void startLoop(
      WorkflowClient client, Class<W> type, String workflowId, String what, Consumer<W> start) {
    W loop =
        client.newWorkflowStub(
            type,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(TaskQueues.PLATFORM)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      start.accept(loop);
    } catch (WorkflowExecutionAlreadyStarted running) {
      log.info("{} loop {} runs already", what, workflowId);
    }
  }

  public PeriodicWorkflow(WorkflowClient client, Mechanism mechanism, Definition definition) {
    this.client = client;
    this.mechanism = mechanism;
    this.definition = definition;
  }

  /** Arranges the runs in the background, so a slow or absent Temporal does not hold up a start. */
  public void arrangeInBackground() {
    if (mechanism == Mechanism.OFF) {
      log.info("{}: periodic runs off", definition.what());
      return;
    }
    Thread t = new Thread(this::arrange, definition.what() + "-scheduling");
    t.setDaemon(true);
    t.start();
  }

  /** Arranges the periodic runs; returns the mechanism used: schedule, timer or none. */
  public String arrange() {
    try {
      if (mechanism == Mechanism.SCHEDULE || mechanism == Mechanism.AUTO) {
        try {
          createSchedule();
          chosen = "schedule";
        } catch (RuntimeException e) {
          if (mechanism == Mechanism.AUTO && unimplemented(e)) {
            definition.startLoop().run();
            chosen = "timer";
          } else {
            throw e;
          }
        }
      } else if (mechanism == Mechanism.TIMER) {
        definition.startLoop().run();
        chosen = "timer";
      }
      log.info("{} runs every {} ({})", definition.what(), definition.interval(), chosen);
    } catch (RuntimeException e) {
      log.warn("{} not scheduled: {}", definition.what(), e.toString());
    }
    return chosen;
  }

  /** The mechanism chosen at start: schedule, timer or none. */
  public String chosen() {
    return chosen;
  }

  private void createSchedule() {
    ScheduleClient schedules =
        ScheduleClient.newInstance(
            client.getWorkflowServiceStubs(),
            ScheduleClientOptions.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .build());
    Schedule schedule =
        Schedule.newBuilder()
            .setAction(
                ScheduleActionStartWorkflow.newBuilder()
                    .setWorkflowType(definition.workflowType())
                    .setArguments(definition.scheduledArgument())
                    .setOptions(
                        WorkflowOptions.newBuilder()
                            .setWorkflowId(WorkflowIds.scheduledRun(definition.scheduleId()))
                            .setTaskQueue(TaskQueues.PLATFORM)
                            .build())
                    .build())
            .setSpec(
                ScheduleSpec.newBuilder()
                    .setIntervals(List.of(new ScheduleIntervalSpec(definition.interval())))
                    .build())
            .build();
    try {
      // The first run starts at once, so a fresh platform has a cost sample and a reconciler
      // report from its first minute instead of after one interval.
      schedules.createSchedule(
          definition.scheduleId(),
          schedule,
          ScheduleOptions.newBuilder().setTriggerImmediately(true).build());
    } catch (ScheduleAlreadyRunningException exists) {
      log.info("schedule {} exists already", definition.scheduleId());
    }
  }

  /** True when the server answered UNIMPLEMENTED: it has no schedules. */
  static boolean unimplemented(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return true;
      }
    }
    return false;
  }
}
