package com.taskifai.api.reconcile;

import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.reconcile.ReconcileRequest;
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
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Makes the reconciler run every {@link ReconcileSettings#interval()}, by one mechanism chosen at
 * start: a Temporal Schedule ({@link ReconcileFleetWorkflow#SCHEDULE_ID}) on a server that has
 * schedules, else (the SDK's in-process test server has none) the timer-loop workflow {@link
 * ReconcileFleetWorkflow#LOOP_WORKFLOW_ID}, which waits, reconciles and continues as new. Either
 * one exists at most once; a second API start finds it and leaves it.
 */
@Component
class ReconcileScheduling {
  private static final Logger log = LoggerFactory.getLogger(ReconcileScheduling.class);
  static final String ACTOR = "platform:schedule";

  private final WorkflowClient client;
  private final ReconcileSettings settings;
  private volatile String chosen = "none";

  ReconcileScheduling(WorkflowClient client, ReconcileSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  @EventListener(ApplicationReadyEvent.class)
  void onReady() {
    if (settings.mechanism() == ReconcileSettings.Mechanism.OFF) {
      log.info("fleet reconciler: periodic runs off (on demand only)");
      return;
    }
    // In the background, so a slow or absent Temporal does not hold up the API's start.
    Thread t = new Thread(this::arrange, "reconcile-scheduling");
    t.setDaemon(true);
    t.start();
  }

  /** Arranges the periodic runs; returns the mechanism used: schedule, timer or none. */
  String arrange() {
    try {
      ReconcileSettings.Mechanism m = settings.mechanism();
      if (m == ReconcileSettings.Mechanism.SCHEDULE || m == ReconcileSettings.Mechanism.AUTO) {
        try {
          createSchedule();
          chosen = "schedule";
        } catch (RuntimeException e) {
          if (m == ReconcileSettings.Mechanism.AUTO && unimplemented(e)) {
            startLoop();
            chosen = "timer";
          } else {
            throw e;
          }
        }
      } else if (m == ReconcileSettings.Mechanism.TIMER) {
        startLoop();
        chosen = "timer";
      }
      log.info("fleet reconciler runs every {} ({})", settings.interval(), chosen);
    } catch (RuntimeException e) {
      log.warn("fleet reconciler not scheduled: {}", e.toString());
    }
    return chosen;
  }

  /** The mechanism chosen at start: schedule, timer or none. */
  String chosen() {
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
                    .setWorkflowType(ReconcileFleetWorkflow.class)
                    .setArguments(new ReconcileRequest(ACTOR, null))
                    .setOptions(
                        WorkflowOptions.newBuilder()
                            .setWorkflowId(ReconcileFleetWorkflow.SCHEDULE_ID + "-run")
                            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                            .build())
                    .build())
            .setSpec(
                ScheduleSpec.newBuilder()
                    .setIntervals(List.of(new ScheduleIntervalSpec(settings.interval())))
                    .build())
            .build();
    try {
      schedules.createSchedule(
          ReconcileFleetWorkflow.SCHEDULE_ID, schedule, ScheduleOptions.newBuilder().build());
    } catch (ScheduleAlreadyRunningException exists) {
      log.info("schedule {} exists already", ReconcileFleetWorkflow.SCHEDULE_ID);
    }
  }

  private void startLoop() {
    ReconcileFleetWorkflow loop =
        client.newWorkflowStub(
            ReconcileFleetWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID)
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(loop::reconcile, new ReconcileRequest(ACTOR, settings.interval()));
    } catch (WorkflowExecutionAlreadyStarted running) {
      log.info("reconcile loop {} runs already", ReconcileFleetWorkflow.LOOP_WORKFLOW_ID);
    }
  }

  private static boolean unimplemented(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return true;
      }
    }
    return false;
  }
}
