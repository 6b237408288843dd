package com.taskifai.workflows.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.RecordingActivities;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.backup.BackupTenantWorkflowImpl;
import com.taskifai.workflows.backup.DeleteBackupWorkflow;
import com.taskifai.workflows.backup.DeleteBackupWorkflowImpl;
import com.taskifai.workflows.export.ExportTenantWorkflowImpl;
import com.taskifai.workflows.ports.AuditRecord;
import com.taskifai.workflows.ports.BackupActivities;
import com.taskifai.workflows.ports.ExportActivities;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LifecycleWorkflowsTest {

  private static final UUID TENANT = UUID.fromString("0b9d2c1e-7a45-4e3f-9d21-5c6b7a8f9e01");
  private static final TenantOperation OPERATION =
      new TenantOperation(TENANT, "acme", "ops@taskifai.test");

  private TestWorkflowEnvironment env;
  private RecordingActivities activities;
  private FinalBackups backups;
  private FinalExports exports;
  private WorkflowClient client;

  @BeforeEach
  void startTemporal() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        SuspendTenantWorkflowImpl.class,
        ReactivateTenantWorkflowImpl.class,
        OffboardTenantWorkflowImpl.class,
        InviteTenantAdminWorkflowImpl.class,
        BackupTenantWorkflowImpl.class,
        DeleteBackupWorkflowImpl.class,
        ExportTenantWorkflowImpl.class);
    activities = new RecordingActivities();
    backups = new FinalBackups();
    exports = new FinalExports();
    worker.registerActivitiesImplementations(activities, backups, exports);
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
    RecordedHistories.record(client, WorkflowIds.suspend(TENANT, 1), "suspend-tenant");
    RecordedHistories.record(client, WorkflowIds.reactivate(TENANT, 1), "reactivate-tenant");
  }

  @Test
  void anInviteMailsANewLinkToTheTenantsAdminAndAuditsItUnderTheActor() {
    String sent =
        stub(InviteTenantAdminWorkflow.class, WorkflowIds.adminInvite(TENANT, 1)).invite(OPERATION);

    assertThat(sent).isEqualTo("SENT");
    assertThat(activities.calls())
        .containsExactly("record_audit", "send_admin_invite", "record_audit");
    assertThat(activities.audits())
        .extracting(AuditRecord::actor)
        .containsExactly("ops@taskifai.test", "ops@taskifai.test");
    RecordedHistories.record(client, WorkflowIds.adminInvite(TENANT, 1), "invite-tenant-admin");
  }

  @Test
  void aBackupDeletionThatFailsForGoodFailsTheWorkflow() {
    UUID backup = UUID.fromString("5a0e7c1d-2b3f-4a59-8c6d-7e8f9a0b1c2d");
    backups.deleteFails = true;

    assertThatThrownBy(
            () ->
                stub(DeleteBackupWorkflow.class, DeleteBackupWorkflow.workflowId(TENANT, backup))
                    .delete(TENANT, backup, "ops@taskifai.test"))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause()
        .hasMessageContaining("backup store refused");
    assertThat(backups.calls).containsExactly("delete_backup:" + backup);
    RecordedHistories.record(
        client, DeleteBackupWorkflow.workflowId(TENANT, backup), "delete-backup-failed");
  }

  @Test
  void offboardingStopsTrafficThenRemovesDnsDatabaseAndCredentials() {
    String status =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT))
            .offboard(OPERATION);

    assertThat(status).isEqualTo("DELETED");
    assertThat(backups.calls)
        .containsExactly(
            "final_backup_needed",
            "claim_operation",
            "dump_database:offboarding",
            "release_operation",
            "remove_backup_schedule");
    assertThat(activities.calls())
        .filteredOn(c -> !c.equals("record_audit"))
        .containsExactly(
            "mark_deleting",
            "undo_configure_dns",
            "undo_create_database",
            "undo_store_credentials",
            "mark_deleted");
    RecordedHistories.record(client, OffboardTenantWorkflow.workflowId(TENANT), "offboard-tenant");
    RecordedHistories.record(client, finalBackupOf(TENANT), "backup-tenant-final");
  }

  /** The workflow id of the final backup the offboarding of {@code tenant} started. */
  private String finalBackupOf(UUID tenant) {
    return client.fetchHistory(OffboardTenantWorkflow.workflowId(tenant)).getEvents().stream()
        .filter(e -> e.hasStartChildWorkflowExecutionInitiatedEventAttributes())
        .map(e -> e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId())
        .findFirst()
        .orElseThrow();
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

  @Test
  void aFailingFinalBackupStopsOffboardingBeforeAnythingIsDropped() {
    backups.dumpFails = true;
    OffboardTenantWorkflow offboard =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT));

    assertThatThrownBy(() -> offboard.offboard(OPERATION))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause()
        .hasMessageContaining("final backup failed")
        .hasMessageContaining("backups disabled for server s1")
        .hasMessageContaining("skip_final_backup=true");
    assertThat(backups.calls).contains("undo_dump_database");
    assertThat(activities.calls())
        .doesNotContain(
            "mark_deleting", "undo_configure_dns", "undo_create_database", "mark_deleted");
    assertThat(activities.audits())
        .anySatisfy(
            a -> {
              assertThat(a.action()).isEqualTo("offboard_tenant");
              assertThat(a.detail()).containsEntry("step", "final_backup");
            });
  }

  @Test
  void skipFinalBackupOffboardsWithoutABackupAndSaysSoInTheAudit() {
    backups.dumpFails = true;
    String status =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT))
            .offboard(new TenantOperation(TENANT, "acme", "ops@taskifai.test", true));

    assertThat(status).isEqualTo("DELETED");
    // No backup taken; the daily schedule is removed all the same.
    assertThat(backups.calls).containsExactly("remove_backup_schedule");
    assertThat(activities.calls()).contains("undo_create_database", "mark_deleted");
    assertThat(activities.audits())
        .anySatisfy(a -> assertThat(a.detail()).containsEntry("skip_final_backup", "true"));
  }

  @Test
  void aFinalExportIsFilledBeforeTrafficStopsAndTheDatabaseIsDropped() {
    UUID exportId = UUID.fromString("5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f");
    String status =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT))
            .offboard(
                new TenantOperation(TENANT, "acme", "ops@taskifai.test", false, exportId, 86400));

    assertThat(status).isEqualTo("DELETED");
    assertThat(exports.calls)
        .containsExactly(
            "check_export:" + exportId, "write_archive:" + exportId, "issue_link:86400");
    // The export ran while the tenant still had its database and traffic.
    assertThat(activities.calls().indexOf("mark_deleting")).isPositive();
    assertThat(exports.beforeDeleting).isTrue();
    assertThat(activities.calls()).contains("undo_create_database", "mark_deleted");
    RecordedHistories.record(
        client, OffboardTenantWorkflow.workflowId(TENANT), "offboard-tenant-final-export");
  }

  @Test
  void aFailingFinalExportStopsOffboardingBeforeAnythingIsDropped() {
    exports.writeFails = true;
    UUID exportId = UUID.randomUUID();
    OffboardTenantWorkflow offboard =
        stub(OffboardTenantWorkflow.class, OffboardTenantWorkflow.workflowId(TENANT));

    assertThatThrownBy(
            () ->
                offboard.offboard(
                    new TenantOperation(TENANT, "acme", "ops@taskifai.test", false, exportId, 60)))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause()
        .hasMessageContaining("final export failed")
        .hasMessageContaining("disk full on the worker")
        .hasMessageContaining("without final_export");
    assertThat(exports.calls).contains("undo_write_archive:" + exportId);
    assertThat(activities.calls())
        .doesNotContain(
            "mark_deleting", "undo_configure_dns", "undo_create_database", "mark_deleted");
    assertThat(activities.audits())
        .anySatisfy(a -> assertThat(a.detail()).containsEntry("step", "final_export"));
  }

  /** Export activities that record their calls; the archive's write fails when asked to. */
  final class FinalExports implements ExportActivities {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean writeFails;
    volatile boolean beforeDeleting;

    @Override
    public void checkExport(ExportInput input) {
      calls.add("check_export:" + input.exportId());
      beforeDeleting = !activities.calls().contains("mark_deleting");
    }

    @Override
    public ExportSummary writeArchive(ExportInput input) {
      calls.add("write_archive:" + input.exportId());
      if (writeFails) {
        throw ApplicationFailure.newNonRetryableFailure("disk full on the worker", "STORE");
      }
      return new ExportSummary(input.exportId(), 10, 20, "ab".repeat(32), "7", 5, 12);
    }

    @Override
    public void issueLink(ExportInput input) {
      calls.add("issue_link:" + input.linkTtlSeconds());
    }

    @Override
    public void failExport(ExportInput input, String reason) {
      calls.add("undo_write_archive:" + input.exportId());
    }
  }

  /** Backup activities that record their calls; the dump fails as on a pg_dump mismatch. */
  static final class FinalBackups implements BackupActivities {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean dumpFails;
    volatile boolean deleteFails;

    @Override
    public void claimOperation(UUID tenantId, String operation, String operationId) {
      calls.add("claim_operation");
    }

    @Override
    public void releaseOperation(UUID tenantId, String operationId) {
      calls.add("release_operation");
    }

    @Override
    public BackupSummary dumpDatabase(BackupInput input) {
      calls.add("dump_database:" + input.trigger());
      if (dumpFails) {
        throw ApplicationFailure.newNonRetryableFailure(
            "backups disabled for server s1: pg_dump is version 16 but the server runs PostgreSQL 17",
            FailureType.MISCONFIGURED.name());
      }
      return new BackupSummary(input.backupId(), "00", 1, "1", "17");
    }

    @Override
    public void failBackup(BackupInput input, String reason) {
      calls.add("undo_dump_database");
    }

    @Override
    public RestoreTarget prepareRestore(BackupInput input, String restoreId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void restoreDatabase(BackupInput input, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void verifyRestore(BackupInput input, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void swapDatabase(BackupInput input, RestoreTarget target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void undoSwapDatabase(BackupInput input, RestoreTarget target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void sealRestoredCopy(BackupInput input, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void dropRetiredDatabase(UUID tenantId, String database) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<UUID> applyRetention(UUID tenantId, long retentionDays, int keepNewest) {
      return List.of();
    }

    @Override
    public void deleteBackup(UUID tenantId, UUID backupId) {
      calls.add("delete_backup:" + backupId);
      if (deleteFails) {
        throw ApplicationFailure.newNonRetryableFailure(
            "backup store refused the deletion", FailureType.MISCONFIGURED.name());
      }
    }

    @Override
    public boolean finalBackupNeeded(UUID tenantId) {
      calls.add("final_backup_needed");
      return true;
    }

    @Override
    public List<UUID> expireDeletedTenantBackups(long finalRetentionDays, long retentionDays) {
      return List.of();
    }

    @Override
    public List<UUID> backupTenants() {
      return List.of();
    }

    @Override
    public void removeBackupSchedule(UUID tenantId) {
      calls.add("remove_backup_schedule");
    }
  }
}
