package com.taskifai.api.costs;

import com.taskifai.workflows.costs.CostSampleWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
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
 * Makes the cost sampling ({@link CostSampleWorkflow}) run every {@link
 * CostSettings#sampleInterval()}, by one mechanism chosen at start, as the reconciler does: a
 * Temporal Schedule where the server has schedules, else the timer-loop workflow (which samples at
 * once, then waits and continues as new). Either exists at most once; a second API start finds it
 * and leaves it. The routers never sample.
 */
@Component
class CostSampling {
  private static final Logger log = LoggerFactory.getLogger(CostSampling.class);

  private final WorkflowClient client;
  private final CostSettings settings;
  private volatile String chosen = "none";

  CostSampling(WorkflowClient client, CostSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  @EventListener(ApplicationReadyEvent.class)
  void onReady() {
    if (settings.mechanism() == CostSettings.Mechanism.OFF) {
      log.info("cost sampling: periodic runs off");
      return;
    }
    Thread t = new Thread(this::arrange, "cost-sampling");
    t.setDaemon(true);
    t.start();
  }

  /** Arranges the periodic samplings; returns the mechanism used: schedule, timer or none. */
  String arrange() {
    try {
      CostSettings.Mechanism m = settings.mechanism();
      if (m == CostSettings.Mechanism.SCHEDULE || m == CostSettings.Mechanism.AUTO) {
        try {
          createSchedule();
          chosen = "schedule";
        } catch (RuntimeException e) {
          if (m == CostSettings.Mechanism.AUTO && unimplemented(e)) {
            startLoop();
            chosen = "timer";
          } else {
            throw e;
          }
        }
      } else if (m == CostSettings.Mechanism.TIMER) {
        startLoop();
        chosen = "timer";
      }
      log.info("cost sampling runs every {} ({})", settings.sampleInterval(), chosen);
    } catch (RuntimeException e) {
      log.warn("cost sampling not scheduled: {}", e.toString());
    }
    return chosen;
  }

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
                    .setWorkflowType(CostSampleWorkflow.class)
                    .setArguments(CostSampleWorkflow.SampleRequest.once())
                    .setOptions(
                        WorkflowOptions.newBuilder()
                            .setWorkflowId(CostSampleWorkflow.SCHEDULE_ID + "-run")
                            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                            .build())
                    .build())
            .setSpec(
                ScheduleSpec.newBuilder()
                    .setIntervals(List.of(new ScheduleIntervalSpec(settings.sampleInterval())))
                    .build())
            .build();
    try {
      schedules.createSchedule(
          CostSampleWorkflow.SCHEDULE_ID, schedule, ScheduleOptions.newBuilder().build());
    } catch (ScheduleAlreadyRunningException exists) {
      log.info("schedule {} exists already", CostSampleWorkflow.SCHEDULE_ID);
    }
  }

  private void startLoop() {
    CostSampleWorkflow loop =
        client.newWorkflowStub(
            CostSampleWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(CostSampleWorkflow.LOOP_WORKFLOW_ID)
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(
          loop::sample, new CostSampleWorkflow.SampleRequest(settings.sampleInterval(), 0));
    } catch (WorkflowExecutionAlreadyStarted running) {
      log.info("cost sampling loop {} runs already", CostSampleWorkflow.LOOP_WORKFLOW_ID);
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
