package com.taskifai.routing;

import java.util.Map;

/**
 * One platform database and one routing runtime for the test classes that need no settings of their
 * own; started on first use, stopped with the JVM.
 */
final class SharedRouter {
  private static TenantFixture fixture;
  private static RouterApp app;

  private SharedRouter() {}

  static synchronized TenantFixture fixture() {
    if (fixture == null) {
      fixture = new TenantFixture();
    }
    return fixture;
  }

  static synchronized RouterApp app() {
    if (app == null) {
      // The test classes sign in many times from one address: the rate limits have own tests.
      app =
          new RouterApp(
              fixture(),
              Map.of(
                  "TASKIFAI_UPLOAD_MAX_BYTES", "200KB", "taskifai.auth.rate.per-address", "10000"));
      RouterApp started = app;
      Runtime.getRuntime().addShutdownHook(new Thread(started::close));
    }
    return app;
  }
}
