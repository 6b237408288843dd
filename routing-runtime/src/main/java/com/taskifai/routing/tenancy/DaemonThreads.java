package com.taskifai.routing.tenancy;

import java.util.concurrent.ThreadFactory;

/** The router's background threads: named, and daemons, so none keeps a stopping JVM alive. */
final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads that all bear {@code name}. */
  static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
