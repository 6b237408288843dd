package com.taskifai.worker;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an idempotent "ensure" (every tenant's backup schedule, every archiving server's base-backup
 * loop) at once and then every hour on a daemon thread of its own. A failed run is logged and the
 * next hour tries again; several workers may run the same ensure at once.
 */
final class HourlyEnsure implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HourlyEnsure.class);

  private final String what;
  private final ScheduledExecutorService timer;

  /**
   * @param threadName the name of the daemon thread
   * @param what what is ensured, for the warning of a failed run
   */
  HourlyEnsure(String threadName, String what) {
    this.what = what;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  /** Runs {@code ensure} now and every hour after. */
  void start(Runnable ensure) {
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            ensure.run();
          } catch (RuntimeException e) {
            log.warn("{} not ensured: {}", what, e.getMessage());
          }
        },
        0,
        1,
        TimeUnit.HOURS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
