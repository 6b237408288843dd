package com.taskifai.routing.tenancy;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets how long the two threads of a tenant pool wait for more work ({@code
 * taskifai.pool.thread-keep-alive}) instead of HikariCP's fixed 5 s.
 *
 * <p>HikariCP gives every pool a single-thread executor that opens its connections and one that
 * closes them, and ends each thread 5 s after its last task (not configurable). That suits an
 * application with a few pools; the router has one per active tenant. With more active tenants than
 * the global cap, nearly every request opens a connection in one pool and closes one in another. In
 * a round robin over 1000 tenants each tenant came round every 5–6 s, just after its threads had
 * ended: the router started two threads per request and still held about 2000 idle ones, and every
 * thread start, end and garbage collection walked that list (thread starts alone were 8% of the
 * router's CPU). A keep-alive longer than the time between a tenant's requests (30 s by default)
 * lets its pool reuse its threads; there are never more than two per open pool, and pools unused
 * for {@code taskifai.pool.eviction} are closed with their threads. A short keep-alive holds fewer
 * threads but starts two for each connection opened at the cap.
 *
 * <p>The executors are private fields of HikariCP's pool; when a HikariCP version names them
 * otherwise, the pools keep HikariCP's own keep-alive, one warning says so, and {@code
 * PoolThreadsTest} (routing tests) fails.
 */
final class PoolThreads {
  private static final Logger log = LoggerFactory.getLogger(PoolThreads.class);

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

  /** Sets the keep-alive of the adder and closer threads of a pool just opened. */
  static void keepAlive(HikariDataSource dataSource, Duration keepAlive) {
    Object pool = dataSource.getHikariPoolMXBean();
    if (!(pool instanceof HikariPool)) {
      return;
    }
    for (Field f : EXECUTORS) {
      try {
        ((ThreadPoolExecutor) f.get(pool))
            .setKeepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
      } catch (IllegalAccessException | RuntimeException e) {
        log.debug("cannot set the keep-alive of {}: {}", f.getName(), e.toString());
      }
    }
  }
}
