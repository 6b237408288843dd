package com.taskifai.workflows.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.ExportActivities.ExportSummary;
import com.taskifai.workflows.testing.RecordedHistories;
import com.taskifai.workflows.testing.ScriptedWorkflows;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The export's steps with its activities replaced: check, write, link in order, and a failure at
 * any step runs the undo that deletes the stored object, with the reason. (The activities run
 * against a real tenant database in the activities module's ExportArchiveTest.)
 */
class ExportTenantWorkflowTest {
  private final List<String> undoReasons = new CopyOnWriteArrayList<>();

  @RegisterExtension
  final ScriptedWorkflows flows =
      ScriptedWorkflows.on(TaskQueues.PLATFORM, ExportTenantWorkflowImpl.class)
          .answer(
              "write_archive",
              new ExportSummary(UUID.randomUUID(), 100, 130, "ab".repeat(32), "7", 5, 12))
          .answer(
              "undo_write_archive",
              args -> {
                undoReasons.add(args.get(1, String.class));
                return null;
              });

  private ExportTenantWorkflow export(UUID tenantId, UUID exportId) {
    return flows.stub(
        ExportTenantWorkflow.class, ExportTenantWorkflow.workflowId(tenantId, exportId));
  }

  @Test
  void checksWritesAndLinksInOrderAndAuditsTheExport() {
    UUID tenant = UUID.randomUUID();
    UUID exportId = UUID.randomUUID();
    ExportTenantWorkflow flow = export(tenant, exportId);

    assertThat(flow.export(new ExportTenantWorkflow.ExportRequest(tenant, exportId, "ops", 60)))
        .isEqualTo("READY");

    assertThat(flows.steps()).containsExactly("check_export", "write_archive", "issue_link");
    assertThat(flows.calls().stream().filter(c -> c.equals("record_audit"))).hasSize(2);
    String id = WorkflowStub.fromTyped(flow).getExecution().getWorkflowId();
    assertThat(id).isEqualTo("tenant-export-" + tenant + "-" + exportId);
    assertThat(WorkflowIds.kindOf(id)).isEmpty();
    RecordedHistories.record(flows.client(), id, "export-ready");
  }

  @Test
  void aWriteThatFailsDeletesWhatWasStoredAndSaysWhy() {
    flows.fail("write_archive");
    UUID tenant = UUID.randomUUID();
    UUID exportId = UUID.randomUUID();
    ExportTenantWorkflow flow = export(tenant, exportId);

    assertThatThrownBy(
            () -> flow.export(new ExportTenantWorkflow.ExportRequest(tenant, exportId, "ops", 60)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps())
        .containsExactly("check_export", "write_archive", "undo_write_archive");
    assertThat(undoReasons).singleElement().asString().contains("write_archive refused");
    ExportTenantWorkflow.ExportProgress progress =
        flows
            .client()
            .newWorkflowStub(
                ExportTenantWorkflow.class, ExportTenantWorkflow.workflowId(tenant, exportId))
            .progress();
    assertThat(progress.outcome()).isEqualTo("FAILED");
    assertThat(progress.step()).isEqualTo("write_archive");
    RecordedHistories.record(
        flows.client(), ExportTenantWorkflow.workflowId(tenant, exportId), "export-failed-write");
  }
}
