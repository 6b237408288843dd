package com.taskifai.workflows.pitr;

import com.taskifai.workflows.WorkflowIds;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Instant;
import java.util.UUID;

/**
 * Restores a tenant's database as it was at a moment from its server's WAL archive into a new
 * database beside the tenant's, checks it, and either swaps it in ({@code replace}: as a backup
 * restore does, the old database kept for the grace period, then dropped) or keeps it beside the
 * tenant's for inspection ({@code copy}: sealed, dropped after the grace period).
 */
@WorkflowInterface
public interface RestoreToTimeWorkflow {

  /** The workflow id of a restore to a time: names the tenant and the restore. */
  static String workflowId(UUID tenantId, String restoreId) {
    return WorkflowIds.restoreToTime(tenantId, restoreId);
  }

  /** {@link RestoreToTimeRequest#provider()} of a tenant whose database is a Supabase project. */
  String PROVIDER_SUPABASE = "supabase";

  /** The outcome of a restore the provider made in place (a Supabase project). */
  String RESTORED_BY_PROVIDER = "RESTORED_BY_PROVIDER";

  /**
   * The request: {@code restoreId} ({@code [a-z0-9]{1,12}}) names the new database; {@code mode} is
   * {@code copy} or {@code replace}; {@code graceSeconds} is how long the retired (or copied)
   * database is kept; {@code provider} is null for a database on our servers, or {@link
   * #PROVIDER_SUPABASE} for one the provider restores in place (replace only).
   */
  record RestoreToTimeRequest(
      UUID tenantId,
      String restoreId,
      Instant at,
      String mode,
      long graceSeconds,
      String actor,
      String provider) {

    /** A restore of a database on our own servers. */
    public RestoreToTimeRequest(
        UUID tenantId, String restoreId, Instant at, String mode, long graceSeconds, String actor) {
      this(tenantId, restoreId, at, mode, graceSeconds, actor, null);
    }
  }

  /** Where a restore to a time is: step name, the new database, the retired one, the outcome. */
  record RestoreToTimeProgress(
      String step, String newDatabase, String retiredDatabase, String outcome, String error) {}

  /**
   * @return {@code SWAPPED} or {@code COPIED} once the database is retired or dropped; {@link
   *     #RESTORED_BY_PROVIDER} once the provider restored the project
   */
  @WorkflowMethod
  String restoreToTime(RestoreToTimeRequest request);

  @QueryMethod
  RestoreToTimeProgress progress();

  /** Cuts the grace period short: the retired (or copied) database is dropped now. */
  @SignalMethod
  void retireNow();
}
