package com.taskifai.routing.tenancy;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the two threads of a tenant pool end right after their work instead of 5 s later.
 *
 * <p>HikariCP gives every pool a single-thread executor that opens its connections and one that
 * closes them, and keeps each thread alive for 5 s after its last task (fixed in HikariCP, not
 * configurable). That suits an application with a few pools; the router has one per active tenant.
 * With more active tenants than the global cap, nearly every request opens a connection and closes
 * another, so a round robin over 1000 tenants kept about 2000 of these idle threads alive in the
 * router at any time (measured with JFR), and every thread started or ended, and every garbage
 * collection, paid for walking that list of threads: thread starts alone were 8% of the router's
 * CPU. With a keep-alive of {@link #KEEP_ALIVE_MILLIS} a burst of work for one pool still reuses
 * its thread, and the router holds only the threads at work.
 *
 * <p>The executors are private fields of HikariCP's pool; when a HikariCP version names them
 * otherwise, the pools keep HikariCP's own keep-alive, one warning says so, and {@code
 * PoolThreadsTest} (routing tests) fails.
 */
final class PoolThreads {
  private static final Logger log = LoggerFactory.getLogger(PoolThreads.class);

  /** How long a pool's adder or closer thread waits for more work before it ends. */
  static final long KEEP_ALIVE_MILLIS = 100;

  private static final List<Field> EXECUTORS = executorFields();

  private PoolThreads() {}

  private static List<Field> executorFields() {
    List<Field> fields = new ArrayList<>();
    try {
      for (String name : List.of("addConnectionExecutor", "closeConnectionExecutor")) {
        Field f = HikariPool.class.getDeclaredField(name);
        f.setAccessible(true);
        if (!ThreadPoolExecutor.class.isAssignableFrom(f.getType())) {
          throw new NoSuchFieldException(name + " is a " + f.getType().getName());
        }
        fields.add(f);
      }
      return List.copyOf(fields);
    } catch (NoSuchFieldException | RuntimeException e) {
      log.warn(
          "tenant pools keep HikariCP's own 5 s keep-alive for their adder and closer threads"
              + " (cannot reach the executors of this HikariCP version: {})",
          e.toString());
      return List.of();
    }
  }

  /** True when the pools' threads end soon after use (HikariCP's executors were found). */
  static boolean supported() {
    return !EXECUTORS.isEmpty();
  }

  /** Shortens the keep-alive of the adder and closer threads of a pool just opened. */
  static void endSoonAfterUse(HikariDataSource dataSource) {
    Object pool = dataSource.getHikariPoolMXBean();
    if (!(pool instanceof HikariPool)) {
      return;
    }
    for (Field f : EXECUTORS) {
      try {
        ((ThreadPoolExecutor) f.get(pool))
            .setKeepAliveTime(KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (IllegalAccessException | RuntimeException e) {
        log.debug("cannot shorten the keep-alive of {}: {}", f.getName(), e.toString());
      }
    }
  }
}
