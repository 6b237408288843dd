package com.taskifai.workflows.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.ExportActivities.ExportSummary;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The export's steps with its activities replaced: check, write, link in order, and a failure at
 * any step runs the undo that deletes the stored object, with the reason. (The activities run
 * against a real tenant database in the activities module's ExportArchiveTest.)
 */
class ExportTenantWorkflowTest {
  private TestWorkflowEnvironment env;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final List<String> undoReasons = new CopyOnWriteArrayList<>();
  private volatile String failing;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(TaskQueues.PLATFORM);
    worker.registerWorkflowImplementationTypes(ExportTenantWorkflowImpl.class);
    worker.registerActivitiesImplementations((io.temporal.activity.DynamicActivity) this::activity);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private Object activity(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    calls.add(type);
    if (type.equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure(type + " refused", "INVALID_STATE");
    }
    if (type.equals("undo_write_archive")) {
      undoReasons.add(args.get(1, String.class));
    }
    if (type.equals("write_archive")) {
      return new ExportSummary(UUID.randomUUID(), 100, 130, "ab".repeat(32), "7", 5, 12);
    }
    return null;
  }

  private ExportTenantWorkflow export(UUID tenantId, UUID exportId) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            ExportTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.PLATFORM)
                .setWorkflowId(ExportTenantWorkflow.workflowId(tenantId, exportId))
                .build());
  }

  @Test
  void checksWritesAndLinksInOrderAndAuditsTheExport() {
    UUID tenant = UUID.randomUUID();
    UUID exportId = UUID.randomUUID();
    ExportTenantWorkflow flow = export(tenant, exportId);

    assertThat(flow.export(new ExportTenantWorkflow.ExportRequest(tenant, exportId, "ops", 60)))
        .isEqualTo("READY");

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .containsExactly("check_export", "write_archive", "issue_link");
    assertThat(calls.stream().filter(c -> c.equals("record_audit"))).hasSize(2);
    String id = WorkflowStub.fromTyped(flow).getExecution().getWorkflowId();
    assertThat(id).isEqualTo("tenant-export-" + tenant + "-" + exportId);
    assertThat(WorkflowIds.kindOf(id)).isEmpty();
    RecordedHistories.record(env.getWorkflowClient(), id, "export-ready");
  }

  @Test
  void aWriteThatFailsDeletesWhatWasStoredAndSaysWhy() {
    failing = "write_archive";
    UUID tenant = UUID.randomUUID();
    UUID exportId = UUID.randomUUID();
    ExportTenantWorkflow flow = export(tenant, exportId);

    assertThatThrownBy(
            () -> flow.export(new ExportTenantWorkflow.ExportRequest(tenant, exportId, "ops", 60)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .containsExactly("check_export", "write_archive", "undo_write_archive");
    assertThat(undoReasons).singleElement().asString().contains("write_archive refused");
    ExportTenantWorkflow.ExportProgress progress =
        env.getWorkflowClient()
            .newWorkflowStub(
                ExportTenantWorkflow.class, ExportTenantWorkflow.workflowId(tenant, exportId))
            .progress();
    assertThat(progress.outcome()).isEqualTo("FAILED");
    assertThat(progress.step()).isEqualTo("write_archive");
    RecordedHistories.record(
        env.getWorkflowClient(),
        ExportTenantWorkflow.workflowId(tenant, exportId),
        "export-failed-write");
  }
}
