package com.taskifai.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.backup.BackupScheduleWorkflow;
import com.taskifai.workflows.backup.BackupTenantWorkflow;
import com.taskifai.workflows.backup.DeleteBackupWorkflow;
import com.taskifai.workflows.backup.RestoreTenantWorkflow;
import com.taskifai.workflows.backup.ScheduledBackupWorkflow;
import com.taskifai.workflows.costs.CostSampleWorkflow;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.migration.EnableExtensionWorkflow;
import com.taskifai.workflows.migration.MigrateFleetWorkflow;
import com.taskifai.workflows.migration.TenantMigrateWorkflow;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.reconcile.RemoveOrphanWorkflow;
import com.taskifai.workflows.trial.PromoteTenantWorkflow;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Workflow ids and the task queue are public contracts (the API's {@code workflow_id}, running
 * workflows of an older release, workers that poll the queue): the exact strings, written out, and
 * the workflow interfaces' own {@code workflowId} methods give the same ids as {@link WorkflowIds}.
 */
class WorkflowIdFormsTest {
  private static final UUID T = UUID.fromString("00000000-0000-0000-0000-0000000000aa");
  private static final UUID B = UUID.fromString("00000000-0000-0000-0000-0000000000bb");

  @Test
  void everyWorkflowKindKeepsItsIdFormByteForByte() {
    String t = T.toString();
    String b = B.toString();
    assertThat(WorkflowIds.provision("acme")).isEqualTo("tenant-provision-acme");
    assertThat(WorkflowIds.suspend(T, 7)).isEqualTo("tenant-suspend-" + t + "-7");
    assertThat(WorkflowIds.reactivate(T, 7)).isEqualTo("tenant-reactivate-" + t + "-7");
    assertThat(WorkflowIds.offboard(T)).isEqualTo("tenant-offboard-" + t);
    assertThat(WorkflowIds.adminInvite(T, 7)).isEqualTo("tenant-admin-invite-" + t + "-7");
    assertThat(WorkflowIds.move(T, "pg-2")).isEqualTo("tenant-move-" + t + "-pg-2");
    assertThat(WorkflowIds.movePrefix(T)).isEqualTo("tenant-move-" + t + "-");
    assertThat(WorkflowIds.drain("pg-2")).isEqualTo("server-drain-pg-2");
    assertThat(WorkflowIds.baseBackupSchedule("pg-2")).isEqualTo("server-base-backup-pg-2");
    assertThat(WorkflowIds.backup(T, B)).isEqualTo("tenant-backup-" + t + "-" + b);
    assertThat(WorkflowIds.deleteBackup(T, B)).isEqualTo("tenant-backup-delete-" + t + "-" + b);
    assertThat(WorkflowIds.backupSchedule(T)).isEqualTo("tenant-backup-schedule-" + t);
    assertThat(WorkflowIds.dailyBackupSchedule(T)).isEqualTo("tenant-backup-daily-" + t);
    assertThat(WorkflowIds.scheduledBackup(T)).isEqualTo("tenant-backup-scheduled-" + t);
    assertThat(WorkflowIds.restore(T, B, "r1")).isEqualTo("tenant-restore-" + t + "-" + b + "-r1");
    assertThat(WorkflowIds.restorePrefix(T)).isEqualTo("tenant-restore-" + t + "-");
    assertThat(WorkflowIds.promote(T)).isEqualTo("tenant-promote-" + t);
    assertThat(WorkflowIds.tenantMigrate(T, "3")).isEqualTo("tenant-migrate-" + t + "-3");
    assertThat(WorkflowIds.enableExtension(T, "custom_fields"))
        .isEqualTo("tenant-extension-" + t + "-custom_fields");
    assertThat(WorkflowIds.fleetMigrate("m-1")).isEqualTo("fleet-migrate-m-1");
    assertThat(WorkflowIds.reconcileOnDemand("x")).isEqualTo("platform-reconcile-x");
    assertThat(WorkflowIds.removeOrphan("database", "db_1"))
        .isEqualTo("platform-remove-orphan-database-db_1");
    assertThat(WorkflowIds.RECONCILE_SCHEDULE).isEqualTo("platform-reconcile-fleet");
    assertThat(WorkflowIds.RECONCILE_LOOP).isEqualTo("platform-reconcile-loop");
    assertThat(WorkflowIds.COST_SAMPLE_SCHEDULE).isEqualTo("platform-cost-sample");
    assertThat(WorkflowIds.COST_SAMPLE_LOOP).isEqualTo("platform-cost-sample-loop");
    assertThat(WorkflowIds.scheduledRun(WorkflowIds.RECONCILE_SCHEDULE))
        .isEqualTo("platform-reconcile-fleet-run");
    assertThat(TaskQueues.PLATFORM).isEqualTo("taskifai-platform");
  }

  @Test
  @SuppressWarnings("deprecation")
  void theWorkflowInterfacesGiveTheSameIdsAsWorkflowIds() {
    assertThat(ProvisionTenantWorkflow.workflowId("acme")).isEqualTo(WorkflowIds.provision("acme"));
    assertThat(ProvisionTenantWorkflow.TASK_QUEUE).isEqualTo(TaskQueues.PLATFORM);
    assertThat(OffboardTenantWorkflow.workflowId(T)).isEqualTo(WorkflowIds.offboard(T));
    assertThat(BackupTenantWorkflow.workflowId(T, B)).isEqualTo(WorkflowIds.backup(T, B));
    assertThat(DeleteBackupWorkflow.workflowId(T, B)).isEqualTo(WorkflowIds.deleteBackup(T, B));
    assertThat(BackupScheduleWorkflow.workflowId(T)).isEqualTo(WorkflowIds.backupSchedule(T));
    assertThat(ScheduledBackupWorkflow.scheduleId(T)).isEqualTo(WorkflowIds.dailyBackupSchedule(T));
    assertThat(ScheduledBackupWorkflow.workflowId(T)).isEqualTo(WorkflowIds.scheduledBackup(T));
    assertThat(RestoreTenantWorkflow.workflowId(T, B, "r1"))
        .isEqualTo(WorkflowIds.restore(T, B, "r1"));
    assertThat(RestoreTenantWorkflow.idPrefix(T)).isEqualTo(WorkflowIds.restorePrefix(T));
    assertThat(PromoteTenantWorkflow.workflowId(T)).isEqualTo(WorkflowIds.promote(T));
    assertThat(TenantMigrateWorkflow.workflowId(T, "3"))
        .isEqualTo(WorkflowIds.tenantMigrate(T, "3"));
    assertThat(EnableExtensionWorkflow.workflowId(T, "x"))
        .isEqualTo(WorkflowIds.enableExtension(T, "x"));
    assertThat(MigrateFleetWorkflow.workflowId("m-1")).isEqualTo(WorkflowIds.fleetMigrate("m-1"));
    assertThat(ReconcileFleetWorkflow.onDemandWorkflowId("x"))
        .isEqualTo(WorkflowIds.reconcileOnDemand("x"));
    assertThat(ReconcileFleetWorkflow.SCHEDULE_ID).isEqualTo(WorkflowIds.RECONCILE_SCHEDULE);
    assertThat(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID).isEqualTo(WorkflowIds.RECONCILE_LOOP);
    assertThat(RemoveOrphanWorkflow.workflowId("database", "d"))
        .isEqualTo(WorkflowIds.removeOrphan("database", "d"));
    assertThat(CostSampleWorkflow.SCHEDULE_ID).isEqualTo(WorkflowIds.COST_SAMPLE_SCHEDULE);
    assertThat(CostSampleWorkflow.LOOP_WORKFLOW_ID).isEqualTo(WorkflowIds.COST_SAMPLE_LOOP);
  }
}
