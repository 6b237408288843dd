package com.taskifai.workflows.migration;

import com.taskifai.workflows.ActivityPolicies;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** Runs apply_tenant_extension with a few quick retries; a failure fails the workflow. */
public class EnableExtensionWorkflowImpl implements EnableExtensionWorkflow {
  private final FleetMigrationActivities activities =
      Workflow.newActivityStub(
          FleetMigrationActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(30))
              .setHeartbeatTimeout(Duration.ofSeconds(20))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofMillis(500))
                      .setBackoffCoefficient(2)
                      .setMaximumInterval(Duration.ofSeconds(5))
                      .setMaximumAttempts(3)
                      .setDoNotRetry(ActivityPolicies.NON_RETRYABLE_TYPES)
                      .build())
              .build());

  @Override
  public String enable(TenantExtensionInput input) {
    return activities.applyExtension(input);
  }
}
