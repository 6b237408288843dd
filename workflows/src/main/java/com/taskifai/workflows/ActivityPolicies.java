package com.taskifai.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Arrays;

/**
 * Retry policies and activity options shared by the platform workflows: one place, so the
 * provisioning, lifecycle and later fleet workflows call each kind of activity the same way.
 *
 * <p>Every option waits for a cancelled activity to finish ({@link
 * ActivityCancellationType#WAIT_CANCELLATION_COMPLETED}): when a workflow is cancelled its undos
 * start only once the step they undo has stopped, so an old attempt cannot run beside its undo.
 * Activities that may run for seconds heartbeat; their heartbeat timeout lets a retry start soon
 * after a worker dies and delivers the cancellation to the running attempt.
 */
public final class ActivityPolicies {

  /** Type names of every {@link FailureType} that no retry can fix. */
  public static final String[] NON_RETRYABLE_TYPES =
      Arrays.stream(FailureType.values())
          .filter(type -> !type.retryable())
          .map(Enum::name)
          .toArray(String[]::new);

  /**
   * Forward steps: bounded (about four minutes of backoff in all) so that a dependency that stays
   * down fails the step for good and the saga compensates, instead of retrying for ever.
   */
  public static final RetryOptions STEP_RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(10)
          .setDoNotRetry(NON_RETRYABLE_TYPES)
          .build();

  /**
   * Compensations: five quick attempts, then the saga goes on with the other compensations and
   * leaves the tenant ROLLBACK_FAILED for a person, rather than blocking the whole rollback.
   */
  public static final RetryOptions UNDO_RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(10))
          .setMaximumAttempts(5)
          .setDoNotRetry(NON_RETRYABLE_TYPES)
          .build();

  /** How long a heartbeating activity may go silent before Temporal presumes its worker dead. */
  public static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);

  // Registry writes are single-row statements; 10 s bounds how long a crashed worker stalls a step.
  /** Registry (platform database) writes. */
  public static final ActivityOptions REGISTRY = options(Duration.ofSeconds(10), STEP_RETRY, false);

  // A database from the template, or the tenant migrations, take seconds; 30 s leaves headroom.
  /** Work inside a tenant's database server; heartbeats. */
  public static final ActivityOptions DATABASE = options(Duration.ofSeconds(30), STEP_RETRY, true);

  // create_database of a Supabase tenant waits for its new project
  // (TASKIFAI_SUPABASE_READY_TIMEOUT,
  // 15 minutes by default, must stay below this); heartbeats still notice a dead worker in 10 s.
  /** create_database: as {@link #DATABASE}, with room to wait for a Supabase project. */
  public static final ActivityOptions DATABASE_CREATE =
      options(Duration.ofMinutes(30), STEP_RETRY, true);

  // Route 53 answers only when the change is INSYNC, which can take a minute.
  /** DNS changes; heartbeats while the change propagates. */
  public static final ActivityOptions DNS = options(Duration.ofMinutes(2), STEP_RETRY, true);

  // One SMTP submission; 30 s covers a slow relay. While the SMTP server is down the mail is
  // retried with back-off for up to 15 minutes (schedule-to-close), then the step fails for good.
  /** One mail that the workflow needs: retried while SMTP is down, for up to 15 minutes. */
  public static final ActivityOptions MAIL =
      ActivityOptions.newBuilder(
              options(
                  Duration.ofSeconds(30),
                  RetryOptions.newBuilder(STEP_RETRY).setMaximumAttempts(0).build(),
                  false))
          .setScheduleToCloseTimeout(Duration.ofMinutes(15))
          .build();

  /** A mail whose loss undoes nothing: a few attempts, then the workflow records the failure. */
  public static final ActivityOptions MAIL_BEST_EFFORT =
      options(
          Duration.ofSeconds(30),
          RetryOptions.newBuilder(STEP_RETRY).setMaximumAttempts(5).build(),
          false);

  /** Undo of a registry write. */
  public static final ActivityOptions REGISTRY_UNDO =
      options(Duration.ofSeconds(10), UNDO_RETRY, false);

  /** Undo inside a tenant's database server. */
  public static final ActivityOptions DATABASE_UNDO =
      options(Duration.ofSeconds(30), UNDO_RETRY, true);

  /** Undo of a DNS change. */
  public static final ActivityOptions DNS_UNDO = options(Duration.ofMinutes(2), UNDO_RETRY, true);

  /**
   * How long a local activity's retries wait inside the worker, holding the workflow task open:
   * back-offs up to this long (1, 2, 4 and 8 s of {@link #STEP_RETRY}) are slept by the worker,
   * longer ones (16 s, then 30 s) become a durable workflow timer, so a long outage neither holds a
   * workflow task for minutes nor loses its attempt count when the worker dies.
   */
  public static final Duration LOCAL_RETRY_THRESHOLD = Duration.ofSeconds(10);

  // Local activities run on the worker that runs the workflow task, with no round trip to the
  // server of their own; several in a row complete in one workflow task. They cannot heartbeat
  // (the SDK ignores the beat) and cannot be cancelled once started: a cancelled workflow waits
  // for them to finish, as WAIT_CANCELLATION_COMPLETED does for the others. Same retry policy as
  // their ActivityOptions, so an outage fails the step for good after the same ten attempts.
  /** {@link #REGISTRY} as a local activity: the short registry writes of provisioning. */
  public static final LocalActivityOptions REGISTRY_LOCAL = local(Duration.ofSeconds(10));

  /** {@link #DATABASE} as a local activity: the short steps inside a tenant database. */
  public static final LocalActivityOptions DATABASE_LOCAL = local(Duration.ofSeconds(30));

  /** Fleet operations (backup, restore, move): registry writes, checks, role and database DDL. */
  public static final ActivityOptions FLEET_SHORT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(STEP_RETRY)
          .build();

  /**
   * Fleet operations' dumps, restores, copies and checks: as long as the data needs, heartbeating,
   * so a worker that dies is noticed within the heartbeat timeout and the step retried on another.
   */
  public static final ActivityOptions FLEET_LONG =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(6))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(2))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofMinutes(1))
                  .setMaximumAttempts(4)
                  .setDoNotRetry(NON_RETRYABLE_TYPES)
                  .build())
          .build();

  private ActivityPolicies() {}

  /**
   * One tenant's schema change (a rollout's migrate_tenant_schema, an extension's
   * apply_tenant_extension): Flyway heartbeats every five seconds while it runs; a few quick
   * retries heal a busy lock or a restarting server, and the caller decides what a failure means.
   */
  public static final ActivityOptions TENANT_SCHEMA_CHANGE =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(30))
          .setHeartbeatTimeout(Duration.ofSeconds(20))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofMillis(500))
                  .setBackoffCoefficient(2)
                  .setMaximumInterval(Duration.ofSeconds(5))
                  .setMaximumAttempts(3)
                  .setDoNotRetry(NON_RETRYABLE_TYPES)
                  .build())
          .build();

  private static LocalActivityOptions local(Duration startToClose) {
    return LocalActivityOptions.newBuilder()
        .setStartToCloseTimeout(startToClose)
        .setRetryOptions(STEP_RETRY)
        .setLocalRetryThreshold(LOCAL_RETRY_THRESHOLD)
        .build();
  }

  private static ActivityOptions options(
      Duration startToClose, RetryOptions retry, boolean heartbeats) {
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(startToClose)
            .setRetryOptions(retry)
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED);
    if (heartbeats) {
      options.setHeartbeatTimeout(HEARTBEAT_TIMEOUT);
    }
    return options.build();
  }
}
