package com.taskifai.activities.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.LogContext;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What an activity logs carries the log context keys that the log patterns read ({@code tenant_id},
 * {@code workflow_id}, {@code activity_id}), written by the audit interceptor on a real (in-memory)
 * Temporal worker.
 */
class ActivityLogContextTest {
  private static final String QUEUE = "log-context-test";
  private static final String LOGGER = "com.taskifai.activities.audit.LoggingActivities";

  @ActivityInterface
  public interface LoggingActivities {
    @ActivityMethod(name = "log_for_tenant")
    void logForTenant(StepInput input);

    @ActivityMethod(name = "log_without_tenant")
    void logWithoutTenant(String note);
  }

  public static class LoggingActivitiesImpl implements LoggingActivities {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(LOGGER);

    @Override
    public void logForTenant(StepInput input) {
      log.info("working for {}", input.subdomain());
    }

    @Override
    public void logWithoutTenant(String note) {
      log.info("working on {}", note);
    }
  }

  @WorkflowInterface
  public interface LoggingWorkflow {
    @WorkflowMethod
    void run(UUID tenantId);
  }

  public static class LoggingWorkflowImpl implements LoggingWorkflow {
    private final LoggingActivities activities =
        Workflow.newActivityStub(
            LoggingActivities.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public void run(UUID tenantId) {
      activities.logForTenant(StepInput.of(tenantId, "acme"));
      activities.logWithoutTenant("fleet");
    }
  }

  /** Keeps each event's log context as it was on the activity's thread when it was logged. */
  private static final class Capture extends AppenderBase<ILoggingEvent> {
    final List<Map<String, String>> contexts = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
      contexts.add(Map.copyOf(event.getMDCPropertyMap()));
      messages.add(event.getFormattedMessage());
    }
  }

  private final Capture capture = new Capture();
  private final Logger logger = (Logger) LoggerFactory.getLogger(LOGGER);
  private TestWorkflowEnvironment temporal;

  @BeforeEach
  void attach() {
    capture.start();
    logger.addAppender(capture);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(capture);
    if (temporal != null) {
      temporal.close();
    }
  }

  @Test
  void activityLogLinesCarryTheTenantTheWorkflowAndTheActivity() {
    AuditLog audit = new AuditLog(TestPostgres.platform().platform());
    temporal =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new AuditingActivityInterceptor(audit))
                        .build())
                .build());
    Worker worker = temporal.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(LoggingWorkflowImpl.class);
    worker.registerActivitiesImplementations(new LoggingActivitiesImpl());
    temporal.start();
    UUID tenantId = UUID.randomUUID();
    String workflowId = "tenant-provision-log-" + tenantId;

    temporal
        .getWorkflowClient()
        .newWorkflowStub(
            LoggingWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(workflowId).build())
        .run(tenantId);

    assertThat(capture.messages).containsExactly("working for acme", "working on fleet");
    Map<String, String> tenantLine = capture.contexts.get(0);
    assertThat(tenantLine)
        .containsEntry(LogContext.TENANT_ID, tenantId.toString())
        .containsEntry("tenant_id", tenantId.toString())
        .containsEntry(LogContext.WORKFLOW_ID, workflowId)
        .containsKey(LogContext.ACTIVITY_ID)
        // The names the log patterns do not read are gone.
        .doesNotContainKeys("tenantId", "workflowId", "activityId");
    Map<String, String> fleetLine = capture.contexts.get(1);
    assertThat(fleetLine)
        .containsEntry(LogContext.WORKFLOW_ID, workflowId)
        .doesNotContainKey(LogContext.TENANT_ID);
    assertThat(fleetLine.get(LogContext.ACTIVITY_ID))
        .isNotBlank()
        .isNotEqualTo(tenantLine.get(LogContext.ACTIVITY_ID));
  }
}
