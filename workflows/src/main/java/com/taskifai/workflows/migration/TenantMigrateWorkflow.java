package com.taskifai.workflows.migration;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.UUID;

/**
 * One tenant's part of a fleet rollout, a child of {@link MigrateFleetWorkflow}. It never fails:
 * the outcome (DONE, FAILED with the error, SKIPPED) is its result, so one tenant cannot stop the
 * others.
 */
@WorkflowInterface
public interface TenantMigrateWorkflow {

  /** {@code tenant-migrate-<tenant>-<version>}. */
  static String workflowId(UUID tenantId, String version) {
    return WorkflowIds.tenantMigrate(tenantId, version);
  }

  @WorkflowMethod
  TenantMigrationResult migrate(TenantMigrationInput input);
}
