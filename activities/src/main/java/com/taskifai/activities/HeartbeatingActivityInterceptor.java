package com.taskifai.activities;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Heartbeats for every activity scheduled with a heartbeat timeout, from a timer thread, for as
 * long as the activity runs (a third of the timeout apart): a worker that dies stops the beats and
 * Temporal retries the activity after the heartbeat timeout instead of its start-to-close timeout.
 * The beat also fetches a cancellation; activities that can stop between statements call {@link
 * CurrentActivity#checkpoint} to end there.
 */
public final class HeartbeatingActivityInterceptor extends WorkerInterceptorBase
    implements AutoCloseable {

  private static final Duration SHORTEST_PERIOD = Duration.ofMillis(200);

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "taskifai-activity-heartbeat");
            t.setDaemon(true);
            return t;
          });

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityExecutionContext context;

      @Override
      public void init(ActivityExecutionContext context) {
        this.context = context;
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        Duration timeout = context.getInfo().getHeartbeatTimeout();
        // A local activity has no heartbeat timeout (and the SDK would drop its beats).
        if (context.getInfo().isLocal()
            || timeout == null
            || timeout.isZero()
            || timeout.isNegative()) {
          return super.execute(input);
        }
        Duration period = timeout.dividedBy(3);
        long millis = Math.max(SHORTEST_PERIOD.toMillis(), period.toMillis());
        ScheduledFuture<?> beats =
            timer.scheduleAtFixedRate(this::beat, millis, millis, TimeUnit.MILLISECONDS);
        try {
          return super.execute(input);
        } finally {
          beats.cancel(false);
        }
      }

      private void beat() {
        try {
          context.heartbeat(null);
        } catch (ActivityCompletionException cancelledOrGone) {
          // The activity's own checkpoint sees the cancellation; nothing to do on this thread.
        } catch (RuntimeException e) {
          // A failed beat is retried on the next tick.
        }
      }
    };
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
