package com.taskifai.workflows.migration;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.workflow.Workflow;

/** Runs apply_tenant_extension with a few quick retries; a failure fails the workflow. */
public class EnableExtensionWorkflowImpl implements EnableExtensionWorkflow {
  private final FleetMigrationActivities activities =
      Workflow.newActivityStub(
          FleetMigrationActivities.class, ActivityPolicies.TENANT_SCHEMA_CHANGE);

  @Override
  public String enable(TenantExtensionInput input) {
    return activities.applyExtension(input);
  }
}
