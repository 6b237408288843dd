package com.taskifai.launcher;

import com.taskifai.routing.RoutingRuntimeApplication;

/**
 * The router process of {@code ./taskifai up} when it runs on the routing runtime's own classpath
 * ({@link RouterClasspath}): it refers to nothing of the admin API or the worker, which are not on
 * that classpath.
 */
public final class RouterMain {
  private RouterMain() {}

  public static void main(String[] args) {
    ParentWatch.exitWithParent();
    RoutingRuntimeApplication.main(args);
  }
}
