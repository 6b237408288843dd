package com.taskifai.workflows.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.ImportActivities.LoadResult;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import com.taskifai.workflows.testing.RecordedHistories;
import com.taskifai.workflows.testing.ScriptedWorkflows;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The import's order and its undos with the activities replaced: a good input is swapped in and the
 * retired database dropped after the grace; a refused input or a failed swap drops the new
 * database, lifts any fence, releases the tenant and discards what was staged.
 */
class ImportTenantWorkflowTest {
  private volatile String refusing;

  @RegisterExtension
  final ScriptedWorkflows flows =
      ScriptedWorkflows.on(TaskQueues.PLATFORM, ImportTenantWorkflowImpl.class)
          .answer("prepare_import_copy", new RestoreTarget("tenant_x_rimp1", "tenant_x"))
          .answer("stage_input", args -> report("stage_input"))
          .answer("migrate_up", args -> report("migrate_up"))
          .answer("verify_import", args -> report("verify_import"))
          .answer(
              "load_input", args -> new LoadResult(report("load_input"), Map.of("products", 3L)));

  /** The report of step {@code type}: one refusal when the test makes that step refuse. */
  private List<ReportItem> report(String type) {
    return type.equals(refusing)
        ? List.of(new ReportItem("dump.sql", 3, null, "CREATE ROLE is not allowed"))
        : List.of();
  }

  private ImportTenantWorkflow newImport(UUID tenantId) {
    return flows.stub(
        ImportTenantWorkflow.class, ImportTenantWorkflow.workflowId(tenantId, "imp1"));
  }

  private static ImportTenantWorkflow.ImportRequest request(UUID tenantId) {
    return new ImportTenantWorkflow.ImportRequest(tenantId, "imp1", "plain", 0, "test");
  }

  @Test
  void aGoodInputIsLoadedCheckedSwappedInAndTheRetiredDatabaseDroppedAfterTheGrace() {
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThat(flow.importTenant(request(tenantId))).isEqualTo("IMPORTED");

    assertThat(flows.steps())
        .containsExactly(
            "claim_operation",
            "stage_input",
            "prepare_import_copy",
            "load_input",
            "migrate_up",
            "verify_import",
            "swap_database",
            "release_operation",
            "discard_input",
            "drop_retired_database");
    assertThat(flow.progress().retiredDatabase()).isEqualTo("tenant_x");
    assertThat(WorkflowStub.fromTyped(flow).getExecution().getWorkflowId())
        .isEqualTo("tenant-import-" + tenantId + "-imp1");
    RecordedHistories.record(
        flows.client(), ImportTenantWorkflow.workflowId(tenantId, "imp1"), "import");
  }

  @Test
  void aRefusedInputDropsTheNewDatabaseAndEndsRefusedWithItsReport() {
    refusing = "verify_import";
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThat(flow.importTenant(request(tenantId))).isEqualTo("REFUSED");

    assertThat(flows.calls()).doesNotContain("swap_database", "undo_swap_database");
    assertThat(flows.steps())
        .endsWith("verify_import", "drop_retired_database", "release_operation", "discard_input");
    ImportTenantWorkflow.ImportProgress p =
        flows
            .client()
            .newWorkflowStub(
                ImportTenantWorkflow.class, ImportTenantWorkflow.workflowId(tenantId, "imp1"))
            .progress();
    assertThat(p.outcome()).isEqualTo("REFUSED");
    assertThat(p.report())
        .extracting(ReportItem::reason)
        .containsExactly("CREATE ROLE is not allowed");
    RecordedHistories.record(
        flows.client(), ImportTenantWorkflow.workflowId(tenantId, "imp1"), "import-refused");
  }

  @Test
  void aStagedInputRefusedBeforeAnyDatabaseExistsDropsNothing() {
    refusing = "stage_input";
    UUID tenantId = UUID.randomUUID();

    assertThat(newImport(tenantId).importTenant(request(tenantId))).isEqualTo("REFUSED");

    assertThat(flows.steps())
        .containsExactly("claim_operation", "stage_input", "release_operation", "discard_input");
  }

  @Test
  void aTenantBusyWithAnotherOperationFailsTheImportAndDiscardsWhatWasStaged() {
    flows.fail("claim_operation");
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThatThrownBy(() -> flow.importTenant(request(tenantId)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps()).containsExactly("claim_operation", "discard_input");
  }

  @Test
  void aSwapThatFailsLiftsItsFenceDropsTheNewDatabaseAndFailsTheImport() {
    flows.fail("swap_database");
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThatThrownBy(() -> flow.importTenant(request(tenantId)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps())
        .endsWith(
            "swap_database",
            "undo_swap_database",
            "drop_retired_database",
            "release_operation",
            "discard_input");
    WorkflowClient client = flows.client();
    RecordedHistories.record(
        client, ImportTenantWorkflow.workflowId(tenantId, "imp1"), "import-failed-swap");
  }
}
