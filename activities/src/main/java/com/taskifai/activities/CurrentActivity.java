package com.taskifai.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import java.time.Duration;
import java.util.Optional;

/** What the running activity knows about itself, for audit rows and logs. */
public final class CurrentActivity {
  private CurrentActivity() {}

  /** The activity's info, or empty when the code runs outside an activity (a direct call). */
  public static Optional<ActivityInfo> info() {
    try {
      return Optional.of(Activity.getExecutionContext().getInfo());
    } catch (RuntimeException notInActivity) {
      return Optional.empty();
    }
  }

  /**
   * Heartbeats with the stage reached, when running in an activity scheduled with a heartbeat
   * timeout; throws Temporal's {@code ActivityCompletionException} when the activity was cancelled
   * (or timed out), so long work stops between its statements. A local activity (the short
   * provisioning steps) has no heartbeat timeout and cannot beat: nothing happens then.
   */
  public static void checkpoint(String stage) {
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (RuntimeException notInActivity) {
      return;
    }
    Duration timeout = context.getInfo().getHeartbeatTimeout();
    if (!context.getInfo().isLocal() && timeout != null && !timeout.isZero()) {
      context.heartbeat(stage);
    }
  }

  /** The audit actor of the running activity: {@code workflow:<workflow id>}. */
  public static String actor() {
    return info().map(i -> "workflow:" + i.getWorkflowId()).orElse("workflow:unknown");
  }
}
