package com.taskifai.activities.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.registry.AuditLog;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The interceptor on a real (in-memory) Temporal worker running the real registry activities. */
class AuditingActivityInterceptorTest {
  private static final String QUEUE = "audit-test";
  private static final ActivitiesFixture fx = new ActivitiesFixture();
  private TestWorkflowEnvironment temporal;

  /** A workflow that runs a step, a step that fails, a compensation and a workflow event. */
  @WorkflowInterface
  public interface AuditedStepsWorkflow {
    @WorkflowMethod
    void run(UUID tenantId, String subdomain);
  }

  public static class AuditedStepsWorkflowImpl implements AuditedStepsWorkflow {
    // One attempt, so the failure rows are easy to count.
    private final TenantRegistryActivities registry =
        Workflow.newActivityStub(
            TenantRegistryActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    @Override
    public void run(UUID tenantId, String subdomain) {
      registry.reserveTenant(
          new ReserveTenantInput(tenantId, subdomain, "Acme", "a@acme.test", "local", "t"));
      try {
        registry.suspendTenant(StepInput.of(tenantId, subdomain));
      } catch (ActivityFailure expected) {
        // A PROVISIONING tenant cannot be suspended: that failure is what the test audits.
      }
      registry.releaseTenant(new FailureRecord(tenantId, "suspend_tenant", "test"));
      registry.recordAudit(
          new AuditRecord(
              tenantId,
              "workflow:" + Workflow.getInfo().getWorkflowId(),
              "provision",
              "await_verification",
              Outcome.TIMEOUT,
              Map.of()));
    }
  }

  private void start() {
    temporal =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(fx.activities.interceptor())
                        .build())
                .build());
    Worker worker = temporal.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(AuditedStepsWorkflowImpl.class);
    worker.registerActivitiesImplementations(fx.activities.implementations().toArray());
    temporal.start();
  }

  @AfterEach
  void stop() {
    if (temporal != null) {
      temporal.close();
    }
  }

  @Test
  void writesStartSuccessAndFailureRowsForEveryActivityButRecordAudit() {
    start();
    UUID tenantId = UUID.randomUUID();
    String workflowId = "tenant-provision-audit-" + tenantId;
    temporal
        .getWorkflowClient()
        .newWorkflowStub(
            AuditedStepsWorkflow.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(workflowId).build())
        .run(tenantId, ActivitiesFixture.newSubdomain());

    List<AuditLog.Entry> rows = fx.audit.query(AuditLog.Query.forTenant(tenantId));
    assertThat(rows)
        .extracting(e -> e.action() + " " + e.step() + " " + e.outcome())
        .containsExactly(
            "provision reserve_tenant started",
            "provision reserve_tenant succeeded",
            "provision suspend_tenant started",
            "provision suspend_tenant failed",
            "compensate undo_reserve_tenant started",
            "compensate reserve_tenant tenant_failed",
            "compensate undo_reserve_tenant succeeded",
            "provision await_verification timeout");
    assertThat(rows).allSatisfy(e -> assertThat(e.actor()).isEqualTo("workflow:" + workflowId));
    AuditLog.Entry failed = rows.get(3);
    assertThat(failed.detailJson())
        .contains("\"failure_type\": \"INVALID_STATE\"")
        .contains("\"retryable\": false")
        .contains("PROVISIONING");
  }

  @Test
  void namesTheActionAfterTheWorkflowAndCompensationsAfterTheUndo() {
    assertThat(AuditingActivityInterceptor.action("create_database", "ProvisionTenantWorkflow"))
        .isEqualTo("provision");
    assertThat(AuditingActivityInterceptor.action("undo_create_database", "OffboardTenantWorkflow"))
        .isEqualTo("compensate");
    assertThat(AuditingActivityInterceptor.action("mark_deleting", "OffboardTenantWorkflow"))
        .isEqualTo("offboard");
    assertThat(AuditingActivityInterceptor.action("suspend_tenant", "SuspendTenantWorkflow"))
        .isEqualTo("suspend");
    assertThat(AuditingActivityInterceptor.action("reactivate_tenant", "ReactivateTenantWorkflow"))
        .isEqualTo("reactivate");
  }

  @Test
  void keepsAnythingLikeACredentialOutOfTheFailureMessage() {
    String message =
        AuditingActivityInterceptor.message(
            new IllegalStateException(
                "FATAL: password authentication failed; password=hunter2 token: abc.def"));

    assertThat(message).doesNotContain("hunter2").doesNotContain("abc.def");
    assertThat(
            AuditingActivityInterceptor.message(
                ApplicationFailure.newNonRetryableFailure("x".repeat(2000), "T")))
        .hasSizeLessThan(600);
  }
}
