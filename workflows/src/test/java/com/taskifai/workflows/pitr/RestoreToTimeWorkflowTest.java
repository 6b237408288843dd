package com.taskifai.workflows.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restore to a point in time with its activities replaced: a copy is restored, verified,
 * sealed, its scratch removed and dropped after the grace; a replace swaps it in as a backup
 * restore does; a failure drops the new database and removes the scratch instance, and a failed
 * swap lifts its fence first.
 */
class RestoreToTimeWorkflowTest {
  private TestWorkflowEnvironment env;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String failing;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(RestoreToTimeWorkflowImpl.class);
    worker.registerActivitiesImplementations((io.temporal.activity.DynamicActivity) this::activity);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** Every activity: recorded by type; the prepare step names the databases; one may fail. */
  private Object activity(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    calls.add(type);
    if (type.equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure(type + " refused", "INVALID_STATE");
    }
    if (type.equals("prepare_point_in_time_copy")) {
      return new RestoreTarget("tenant_x_rp1", "tenant_x");
    }
    return null;
  }

  private RestoreToTimeWorkflow restore(UUID tenantId) {
    return env.getWorkflowClient()
        .newWorkflowStub(
            RestoreToTimeWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(RestoreToTimeWorkflow.workflowId(tenantId, "p1"))
                .build());
  }

  private static RestoreToTimeWorkflow.RestoreToTimeRequest request(UUID tenantId, String mode) {
    return new RestoreToTimeWorkflow.RestoreToTimeRequest(
        tenantId, "p1", Instant.parse("2026-12-07T12:00:00Z"), mode, 0, "test");
  }

  private List<String> steps() {
    return calls.stream().filter(c -> !c.equals("record_audit")).toList();
  }

  @Test
  void aCopyIsRestoredVerifiedSealedAndDroppedAfterItsGraceAndTheScratchIsRemoved() {
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThat(flow.restoreToTime(request(tenantId, "copy"))).isEqualTo("COPIED");

    assertThat(steps())
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
        env.getWorkflowClient(),
        RestoreToTimeWorkflow.workflowId(tenantId, "p1"),
        "restore-to-time-copy");
  }

  @Test
  void aReplaceSwapsTheVerifiedCopyInAndDropsTheRetiredDatabase() {
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThat(flow.restoreToTime(request(tenantId, "replace"))).isEqualTo("SWAPPED");

    assertThat(steps())
        .containsSubsequence("verify_point_in_time_copy", "swap_database", "remove_scratch")
        .doesNotContain("seal_restored_copy");
    assertThat(flow.progress().retiredDatabase()).isEqualTo("tenant_x");
  }

  @Test
  void aFailedCopyDropsTheNewDatabaseRemovesTheScratchAndReleasesTheTenant() {
    failing = "copy_from_scratch";
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThatThrownBy(() -> flow.restoreToTime(request(tenantId, "replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(steps())
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
    failing = "swap_database";
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThatThrownBy(() -> flow.restoreToTime(request(tenantId, "replace")))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(steps())
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

    assertThat(steps())
        .containsExactly("claim_operation", "restore_by_provider", "release_operation");
    assertThat(flow.progress().outcome()).isEqualTo("RESTORED_BY_PROVIDER");
    assertThat(flow.progress().step()).isEqualTo("done");
  }

  @Test
  void aProviderRestoreItRefusesFailsTheWorkflowAndReleasesTheTenant() {
    failing = "restore_by_provider";
    UUID tenantId = UUID.randomUUID();
    RestoreToTimeWorkflow flow = restore(tenantId);

    assertThatThrownBy(() -> flow.restoreToTime(providerRequest(tenantId)))
        .isInstanceOf(WorkflowFailedException.class);

    assertThat(steps())
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
