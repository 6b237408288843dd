package com.taskifai.workflows.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.RecordingActivities;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LifecycleWorkflowsTest {

  private static final UUID TENANT = UUID.fromString("0b9d2c1e-7a45-4e3f-9d21-5c6b7a8f9e01");
  private static final TenantOperation OPERATION =
      new TenantOperation(TENANT, "acme", "ops@taskifai.test");

  private TestWorkflowEnvironment env;
  private RecordingActivities activities;
  private WorkflowClient client;

  @BeforeEach
  void startTemporal() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        SuspendTenantWorkflowImpl.class,
        ReactivateTenantWorkflowImpl.class,
        OffboardTenantWorkflowImpl.class);
    activities = new RecordingActivities();
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stopTemporal() {
    env.close();
  }

  private <T> T stub(Class<T> type, String workflowId) {
    return client.newWorkflowStub(
        type,
        WorkflowOptions.newBuilder()
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .setWorkflowId(workflowId)
            .build());
  }

  @Test
  void suspendAndReactivateMoveTheTenantAndRecordTheActor() {
    String suspended =
        stub(SuspendTenantWorkflow.class, WorkflowIds.suspend(TENANT, 1)).suspend(OPERATION);
    String reactivated =
        stub(ReactivateTenantWorkflow.class, WorkflowIds.reactivate(TENANT, 1))
            .reactivate(OPERATION);

    assertThat(suspended).isEqualTo("SUSPENDED");
    assertThat(reactivated).isEqualTo("ACTIVE");
    assertThat(activities.calls())
        .filteredOn(c -> !c.equals("record_audit"))
        .containsExactly("suspend_tenant", "reactivate_tenant");
    assertThat(activities.audits())
        .extracting(AuditRecord::actor)
        .containsOnly("ops@taskifai.test")
        .hasSize(4);
  }

  @Test
  void offboardingStopsTrafficThenRemovesDnsDatabaseAndCredentials() {
    String status =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT))
            .offboard(OPERATION);

    assertThat(status).isEqualTo("DELETED");
    assertThat(activities.calls())
        .filteredOn(c -> !c.equals("record_audit"))
        .containsExactly(
            "mark_deleting",
            "undo_configure_dns",
            "undo_create_database",
            "undo_store_credentials",
            "mark_deleted");
  }

  @Test
  void offboardingThatFailedMidwayFinishesWhenStartedAgain() {
    activities.down.add("undo_create_database");
    OffboardTenantWorkflow first =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT));

    assertThatThrownBy(() -> first.offboard(OPERATION)).isInstanceOf(WorkflowFailedException.class);
    assertThat(activities.calls()).doesNotContain("mark_deleted", "undo_store_credentials");

    activities.down.clear();
    String status =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT))
            .offboard(OPERATION);

    assertThat(status).isEqualTo("DELETED");
    assertThat(activities.calls()).filteredOn("mark_deleted"::equals).hasSize(1);
    assertThat(activities.calls()).filteredOn("mark_deleting"::equals).hasSize(2);
  }
}
