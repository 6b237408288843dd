package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** What the cost report measures itself (the routers report their usage on their own). */
@ActivityInterface
public interface CostActivities {

  /** How a sampling went: tenants sampled, and tenants whose server did not answer. */
  record SampleSummary(int sampled, int skipped) {}

  /**
   * Reads the size of every live tenant database ({@code pg_database_size}, one query per server)
   * and records it as the tenant's sample of the day (UTC), replacing an earlier one of that day. A
   * server that does not answer is skipped and counted; the others are sampled.
   */
  @ActivityMethod(name = "sample_database_sizes")
  SampleSummary sampleDatabaseSizes();
}
