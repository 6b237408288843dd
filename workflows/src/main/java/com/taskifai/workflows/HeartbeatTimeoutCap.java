package com.taskifai.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import java.time.Duration;

/**
 * Gives every activity the workflows of one worker schedule a heartbeat timeout of at most {@link
 * #cap()}: one that has a longer one gets the cap, one that has none gets the cap as well (the
 * activities' heartbeat interceptor beats for any activity with a heartbeat timeout). A worker
 * registers it only when {@code TASKIFAI_WORKER_HEARTBEAT_TIMEOUT} is set, which tests do so that a
 * step of a worker they kill is retried on another within seconds instead of the 30 s (or a short
 * step's 1 min start-to-close) a production worker waits. Local activities are left alone (they
 * cannot heartbeat).
 *
 * <p>The timeout is an attribute of the ScheduleActivityTask command, which replay does not
 * compare: histories recorded with or without the cap replay alike.
 */
public final class HeartbeatTimeoutCap extends WorkerInterceptorBase {
  private final Duration cap;

  /** The cap: positive. */
  public HeartbeatTimeoutCap(Duration cap) {
    if (cap == null || cap.isZero() || cap.isNegative()) {
      throw new IllegalArgumentException("heartbeat timeout cap must be positive, got " + cap);
    }
    this.cap = cap;
  }

  /** The longest heartbeat timeout an activity scheduled through this worker gets. */
  public Duration cap() {
    return cap;
  }

  /** {@code options} with a heartbeat timeout of at most the cap. */
  public ActivityOptions apply(ActivityOptions options) {
    Duration own = options.getHeartbeatTimeout();
    if (own != null && !own.isZero() && own.compareTo(cap) <= 0) {
      return options;
    }
    return ActivityOptions.newBuilder(options).setHeartbeatTimeout(cap).build();
  }

  @Override
  public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
    return new WorkflowInboundCallsInterceptorBase(next) {
      @Override
      public void init(WorkflowOutboundCallsInterceptor outbound) {
        super.init(
            new WorkflowOutboundCallsInterceptorBase(outbound) {
              @Override
              public <R> ActivityOutput<R> executeActivity(ActivityInput<R> input) {
                return super.executeActivity(
                    new ActivityInput<>(
                        input.getActivityName(),
                        input.getResultClass(),
                        input.getResultType(),
                        input.getArgs(),
                        apply(input.getOptions()),
                        input.getHeader()));
              }
            });
      }
    };
  }
}
