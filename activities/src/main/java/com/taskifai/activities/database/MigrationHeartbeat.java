package com.taskifai.activities.database;

/**
 * Heartbeats every five seconds while a migration runs (Flyway gives no callback), so a worker that
 * dies is noticed by the heartbeat timeout rather than the long start-to-close timeout.
 */
final class MigrationHeartbeat implements AutoCloseable {
  private final java.util.concurrent.ScheduledExecutorService timer;

  private MigrationHeartbeat(java.util.concurrent.ScheduledExecutorService timer) {
    this.timer = timer;
  }

  static MigrationHeartbeat start() {
    io.temporal.activity.ActivityExecutionContext context;
    try {
      context = io.temporal.activity.Activity.getExecutionContext();
    } catch (RuntimeException notInAnActivity) {
      return new MigrationHeartbeat(null);
    }
    java.util.concurrent.ScheduledExecutorService timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "migration-heartbeat");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(
        () -> {
          try {
            context.heartbeat(null);
          } catch (RuntimeException ignored) {
            // Cancelled or timed out: the migration's own end decides.
          }
        },
        0,
        5,
        java.util.concurrent.TimeUnit.SECONDS);
    return new MigrationHeartbeat(timer);
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
