package com.taskifai.workflows.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import com.taskifai.workflows.testing.ScriptedWorkflows;
import io.temporal.client.WorkflowFailedException;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The restore to a point in time with its activities replaced: a copy is restored, verified,
 * sealed, its scratch removed and dropped after the grace; a replace swaps it in as a backup
 * restore does; a failure drops the new database and removes the scratch instance, and a failed
 * swap lifts its fence first.
 */
class RestoreToTimeWorkflowTest {
  @RegisterExtension
  final ScriptedWorkflows flows =
      ScriptedWorkflows.on(ProvisionTenantWorkflow.TASK_QUEUE, RestoreToTimeWorkflowImpl.class)
          .answer("prepare_point_in_time_copy", new RestoreTarget("tenant_x_rp1", "tenant_x"));

  private RestoreToTimeWorkflow restore(UUID tenantId) {
    return flows.stub(
        RestoreToTimeWorkflow.class, RestoreToTimeWorkflow.workflowId(tenantId, "p1"));
  }

  private static RestoreToTimeWorkflow.RestoreToTimeRequest request(UUID tenantId, String mode) {
    return new RestoreToTimeWorkflow.RestoreToTimeRequest(
        tenantId, "p1", Instant.parse("2026-12-07T12:00:00Z"), mode, 0, "test");
  }

  @Test
  void aCopyIsRestoredVerifiedSealedAndDroppedAfterItsGraceAndTheScratchIsRemoved() {
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThat(flow.restoreToTime(request(tenantId, "copy"))).isEqualTo("COPIED");

    assertThat(flows.steps())
        .containsExactly(
            "claim_operation",
            "prepare_point_in_time_copy",
            "restore_scratch",
            "copy_from_scratch",
            "verify_point_in_time_copy",
            "seal_restored_copy",
            "remove_scratch",
            "release_operation",
            "drop_retired_database");
    assertThat(flow.progress().outcome()).isEqualTo("COPIED");
    assertThat(flow.progress().newDatabase()).isEqualTo("tenant_x_rp1");
    assertThat(WorkflowIds.restoreToTime(tenantId, "p1"))
        .isEqualTo("tenant-restore-to-time-" + tenantId + "-p1");
    RecordedHistories.record(
        flows.client(), RestoreToTimeWorkflow.workflowId(tenantId, "p1"), "restore-to-time-copy");
  }

  @Test
  void aReplaceSwapsTheVerifiedCopyInAndDropsTheRetiredDatabase() {
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThat(flow.restoreToTime(request(tenantId, "replace"))).isEqualTo("SWAPPED");

    assertThat(flows.steps())
        .containsSubsequence("verify_point_in_time_copy", "swap_database", "remove_scratch")
        .doesNotContain("seal_restored_copy");
    assertThat(flow.progress().retiredDatabase()).isEqualTo("tenant_x");
  }

  @Test
  void aFailedCopyDropsTheNewDatabaseRemovesTheScratchAndReleasesTheTenant() {
    flows.fail("copy_from_scratch");
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThatThrownBy(() -> flow.restoreToTime(request(tenantId, "replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps())
        .containsExactly(
            "claim_operation",
            "prepare_point_in_time_copy",
            "restore_scratch",
            "copy_from_scratch",
            "drop_retired_database",
            "remove_scratch",
            "release_operation");
    assertThat(flow.progress().error()).isEqualTo("copy_from_scratch refused");
  }

  @Test
  void aSwapThatFailsLiftsItsFenceBeforeTheNewDatabaseIsDropped() {
    flows.fail("swap_database");
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThatThrownBy(() -> flow.restoreToTime(request(tenantId, "replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps())
        .containsSubsequence(
            "swap_database",
            "undo_swap_database",
            "drop_retired_database",
            "remove_scratch",
            "release_operation");
  }

  @Test
  void aSupabaseTenantIsRestoredByItsProviderInPlaceUnderTheClaimWithNothingToDrop() {
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThat(flow.restoreToTime(providerRequest(tenantId)))
        .isEqualTo(RestoreToTimeWorkflow.RESTORED_BY_PROVIDER);

    assertThat(flows.steps())
        .containsExactly("claim_operation", "restore_by_provider", "release_operation");
    assertThat(flow.progress().outcome()).isEqualTo("RESTORED_BY_PROVIDER");
    assertThat(flow.progress().step()).isEqualTo("done");
  }

  @Test
  void aProviderRestoreItRefusesFailsTheWorkflowAndReleasesTheTenant() {
    flows.fail("restore_by_provider");
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThatThrownBy(() -> flow.restoreToTime(providerRequest(tenantId)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(flows.steps())
        .containsExactly("claim_operation", "restore_by_provider", "release_operation");
    assertThat(flow.progress().outcome()).isEqualTo("FAILED");
    assertThat(flow.progress().error()).isEqualTo("restore_by_provider refused");
  }

  private static RestoreToTimeWorkflow.RestoreToTimeRequest providerRequest(UUID tenantId) {
    return new RestoreToTimeWorkflow.RestoreToTimeRequest(
        tenantId,
        "p1",
        Instant.parse("2026-12-07T12:00:00Z"),
        "replace",
        0,
        "test",
        RestoreToTimeWorkflow.PROVIDER_SUPABASE);
  }
}
