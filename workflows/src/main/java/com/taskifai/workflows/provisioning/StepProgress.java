package com.taskifai.workflows.provisioning;

import java.time.Instant;

/**
 * The state of one step: {@code pending}, {@code running}, {@code done}, {@code failed} or {@code
 * compensated}; times are workflow time; {@code error} has no secret.
 */
public record StepProgress(
    String name, String state, Instant startedAt, Instant finishedAt, String error) {
  public static final String PENDING = "pending";
  public static final String RUNNING = "running";
  public static final String DONE = "done";
  public static final String FAILED = "failed";
  public static final String COMPENSATED = "compensated";
}
