package com.taskifai.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
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

  /** The audit actor of the running activity: {@code workflow:<workflow id>}. */
  public static String actor() {
    return info().map(i -> "workflow:" + i.getWorkflowId()).orElse("workflow:unknown");
  }
}
