package com.taskifai.workflows.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import com.taskifai.workflows.testing.ScriptedWorkflows;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The restore's fence steps with its activities replaced: a swap that fails lifts the fence it may
 * have set before the new database is dropped, and a copy is sealed once verified. (The histories
 * the shipped workflow recorded before the fence steps replay in RecordedHistoriesReplayTest.)
 */
class RestoreTenantWorkflowTest {
  @RegisterExtension
  final ScriptedWorkflows flows =
      ScriptedWorkflows.on(ProvisionTenantWorkflow.TASK_QUEUE, RestoreTenantWorkflowImpl.class)
          .answer("prepare_restore", new RestoreTarget("tenant_x_rr1", "tenant_x"));

  private RestoreTenantWorkflow restore() {
    return flows.stub(RestoreTenantWorkflow.class, "restore-test-" + UUID.randomUUID());
  }

  private static RestoreTenantWorkflow.RestoreRequest request(String mode) {
    return new RestoreTenantWorkflow.RestoreRequest(
        UUID.randomUUID(), UUID.randomUUID(), "rr1", mode, 0, "test");
  }

  @Test
  void aSwapThatFailsLiftsItsFenceBeforeTheNewDatabaseIsDropped() {
    flows.fail("swap_database");
    RestoreTenantWorkflow flow = restore();

    assertThatThrownBy(() -> flow.restore(request("replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps())
        .containsExactly(
            "claim_operation",
            "prepare_restore",
            "restore_database",
            "verify_restore",
            "swap_database",
            "undo_swap_database",
            "drop_retired_database",
            "release_operation");
    RecordedHistories.record(
        flows.client(),
        WorkflowStub.fromTyped(flow).getExecution().getWorkflowId(),
        "restore-failed-swap");
  }

  @Test
  void aFailureBeforeTheSwapHasNoFenceToLift() {
    flows.fail("verify_restore");
    RestoreTenantWorkflow flow = restore();

    assertThatThrownBy(() -> flow.restore(request("replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.calls()).doesNotContain("swap_database", "undo_swap_database");
    assertThat(flows.calls()).contains("drop_retired_database", "release_operation");
  }

  @Test
  void aCopyIsSealedOnceVerifiedAndNeverSwapped() {
    RestoreTenantWorkflow flow = restore();

    assertThat(flow.restore(request("copy"))).isEqualTo("COPIED");

    assertThat(flows.steps())
        .containsExactly(
            "claim_operation",
            "prepare_restore",
            "restore_database",
            "verify_restore",
            "seal_restored_copy",
            "release_operation",
            "drop_retired_database");
    RecordedHistories.record(
        flows.client(),
        WorkflowStub.fromTyped(flow).getExecution().getWorkflowId(),
        "restore-copy");
  }
}
