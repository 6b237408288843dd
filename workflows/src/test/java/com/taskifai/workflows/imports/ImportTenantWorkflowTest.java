package com.taskifai.workflows.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.ports.ImportActivities.LoadResult;
import com.taskifai.workflows.ports.ImportActivities.ReportItem;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The import's order and its undos with the activities replaced: a good input is swapped in and the
 * retired database dropped after the grace; a refused input or a failed swap drops the new
 * database, lifts any fence, releases the tenant and discards what was staged.
 */
class ImportTenantWorkflowTest {
  private TestWorkflowEnvironment env;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String failing;
  private volatile String refusing;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(TaskQueues.PLATFORM);
    worker.registerWorkflowImplementationTypes(ImportTenantWorkflowImpl.class);
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
    List<ReportItem> report =
        type.equals(refusing)
            ? List.of(new ReportItem("dump.sql", 3, null, "CREATE ROLE is not allowed"))
            : List.of();
    return switch (type) {
      case "prepare_import_copy" -> new RestoreTarget("tenant_x_rimp1", "tenant_x");
      case "stage_input", "migrate_up", "verify_import" -> report;
      case "load_input" -> new LoadResult(report, Map.of("products", 3L));
      default -> null;
    };
  }

  private ImportTenantWorkflow newImport(UUID tenantId) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            ImportTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.PLATFORM)
                .setWorkflowId(ImportTenantWorkflow.workflowId(tenantId, "imp1"))
                .build());
  }

  private static ImportTenantWorkflow.ImportRequest request(UUID tenantId) {
    return new ImportTenantWorkflow.ImportRequest(tenantId, "imp1", "plain", 0, "test");
  }

  @Test
  void aGoodInputIsLoadedCheckedSwappedInAndTheRetiredDatabaseDroppedAfterTheGrace() {
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThat(flow.importTenant(request(tenantId))).isEqualTo("IMPORTED");

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
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
        env.getWorkflowClient(), ImportTenantWorkflow.workflowId(tenantId, "imp1"), "import");
  }

  @Test
  void aRefusedInputDropsTheNewDatabaseAndEndsRefusedWithItsReport() {
    refusing = "verify_import";
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThat(flow.importTenant(request(tenantId))).isEqualTo("REFUSED");

    assertThat(calls).doesNotContain("swap_database", "undo_swap_database");
    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .endsWith("verify_import", "drop_retired_database", "release_operation", "discard_input");
    ImportTenantWorkflow.ImportProgress p =
        env.getWorkflowClient()
            .newWorkflowStub(
                ImportTenantWorkflow.class, ImportTenantWorkflow.workflowId(tenantId, "imp1"))
            .progress();
    assertThat(p.outcome()).isEqualTo("REFUSED");
    assertThat(p.report())
        .extracting(ReportItem::reason)
        .containsExactly("CREATE ROLE is not allowed");
    RecordedHistories.record(
        env.getWorkflowClient(),
        ImportTenantWorkflow.workflowId(tenantId, "imp1"),
        "import-refused");
  }

  @Test
  void aStagedInputRefusedBeforeAnyDatabaseExistsDropsNothing() {
    refusing = "stage_input";
    UUID tenantId = UUID.randomUUID();

    assertThat(newImport(tenantId).importTenant(request(tenantId))).isEqualTo("REFUSED");

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .containsExactly("claim_operation", "stage_input", "release_operation", "discard_input");
  }

  @Test
  void aTenantBusyWithAnotherOperationFailsTheImportAndDiscardsWhatWasStaged() {
    failing = "claim_operation";
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThatThrownBy(() -> flow.importTenant(request(tenantId)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .containsExactly("claim_operation", "discard_input");
  }

  @Test
  void aSwapThatFailsLiftsItsFenceDropsTheNewDatabaseAndFailsTheImport() {
    failing = "swap_database";
    UUID tenantId = UUID.randomUUID();
    ImportTenantWorkflow flow = newImport(tenantId);

    assertThatThrownBy(() -> flow.importTenant(request(tenantId)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(calls.stream().filter(c -> !c.equals("record_audit")))
        .endsWith(
            "swap_database",
            "undo_swap_database",
            "drop_retired_database",
            "release_operation",
            "discard_input");
    WorkflowClient client = env.getWorkflowClient();
    RecordedHistories.record(
        client, ImportTenantWorkflow.workflowId(tenantId, "imp1"), "import-failed-swap");
  }
}
