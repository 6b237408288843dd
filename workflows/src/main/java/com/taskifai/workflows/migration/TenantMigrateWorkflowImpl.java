package com.taskifai.workflows.migration;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * Runs migrate_tenant_schema with a few quick retries (a busy lock or a restarting server heal; a
 * migration that conflicts with the database does not), then records a failure for the rollout.
 */
public class TenantMigrateWorkflowImpl implements TenantMigrateWorkflow {
  private static final int MAX_ERROR = 1000;

  private final FleetMigrationActivities activities =
      Workflow.newActivityStub(
          FleetMigrationActivities.class, ActivityPolicies.TENANT_SCHEMA_CHANGE);

  private final FleetMigrationActivities recorder =
      Workflow.newActivityStub(
          FleetMigrationActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(30))
              .setRetryOptions(ActivityPolicies.STEP_RETRY)
              .build());

  @Override
  public TenantMigrationResult migrate(TenantMigrationInput input) {
    try {
      return activities.migrateTenant(input);
    } catch (ActivityFailure e) {
      String error = message(e);
      recorder.recordFailure(
          new TenantMigrationFailure(input.migrationId(), input.tenantId(), input.canary(), error));
      return new TenantMigrationResult(
          input.tenantId(), TenantMigrationResult.FAILED, null, 0, error);
    }
  }

  private static String message(ActivityFailure e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    String text =
        cause instanceof ApplicationFailure app ? app.getOriginalMessage() : cause.getMessage();
    if (text == null) {
      text = cause.getClass().getSimpleName();
    }
    return text.length() > MAX_ERROR ? text.substring(0, MAX_ERROR) : text;
  }
}
