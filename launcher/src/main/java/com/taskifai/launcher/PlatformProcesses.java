package com.taskifai.launcher;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.dev.MailOutbox;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.routing.RoutingRuntimeApplication;
import com.taskifai.worker.PlatformWorker;
import com.taskifai.workflows.client.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The platform's own processes inside the dev JVM: the Temporal worker, the admin API (one Spring
 * context) and the routing runtime (another), each configured from what {@link DevConfiguration}
 * renders for it.
 */
final class PlatformProcesses implements AutoCloseable {
  private final WorkflowServiceStubs service;
  private final PlatformActivities activities;
  private final PlatformWorker worker;
  private final ConfigurableApplicationContext api;
  private final ConfigurableApplicationContext router;
  private final io.opentelemetry.api.OpenTelemetry tracing;
  private final Map<String, String> workerEnv;
  private final Map<String, Object> apiProperties;
  private final Map<String, Object> routerProperties;

  private PlatformProcesses(
      WorkflowServiceStubs service,
      PlatformActivities activities,
      PlatformWorker worker,
      ConfigurableApplicationContext api,
      ConfigurableApplicationContext router,
      io.opentelemetry.api.OpenTelemetry tracing,
      Map<String, String> workerEnv,
      Map<String, Object> apiProperties,
      Map<String, Object> routerProperties) {
    this.tracing = tracing;
    this.service = service;
    this.activities = activities;
    this.worker = worker;
    this.api = api;
    this.router = router;
    this.workerEnv = workerEnv;
    this.apiProperties = apiProperties;
    this.routerProperties = routerProperties;
  }

  static PlatformProcesses start(DevConfiguration config, KeyRing keys, MailOutbox outbox) {
    Map<String, String> env = config.platformEnv();
    TemporalConnection temporal = TemporalConnection.fromEnvironment(env);
    WorkflowServiceStubs service = temporal.connect();
    // Traces: off (no-op) unless OTEL_TRACES_EXPORTER names an exporter.
    io.opentelemetry.api.OpenTelemetry tracing =
        com.taskifai.registry.tracing.PlatformTracing.fromEnvironment(env, "taskifai-worker");
    WorkflowClient client =
        WorkflowClient.newInstance(
            service,
            com.taskifai.workflows.client.TemporalTracing.clientOptions(
                temporal.clientOptions(), tracing));
    com.taskifai.worker.WorkerComposition worker =
        com.taskifai.worker.WorkerComposition.inProcess(
            client, env, tracing, config.embeddedTemporal());
    worker.startWithSchedules();

    Map<String, Object> apiProps = withoutNulls(config.apiProperties(temporal.namespace()));
    SpringApplicationBuilder apiBuilder = new SpringApplicationBuilder(AdminApiApplication.class);
    if (outbox != null) {
      apiBuilder.initializers(
          ctx -> ((GenericApplicationContext) ctx).registerBean(MailOutbox.class, () -> outbox));
    }
    ConfigurableApplicationContext api = apiBuilder.run(arguments(apiProps));

    Map<String, Object> routerProps = withoutNulls(config.routerProperties());
    ConfigurableApplicationContext router =
        new SpringApplicationBuilder(RoutingRuntimeApplication.class).run(arguments(routerProps));
    return new PlatformProcesses(
        service,
        worker.activities(),
        worker.worker(),
        api,
        router,
        tracing,
        Map.copyOf(env),
        apiProps,
        routerProps);
  }

  /** The properties that have a value: unset ones are left out, so the records hold defaults. */
  private static Map<String, Object> withoutNulls(Map<String, Object> properties) {
    Map<String, Object> out = new HashMap<>();
    properties.forEach(
        (k, v) -> {
          if (v != null) {
            out.put(k, v);
          }
        });
    return Map.copyOf(out);
  }

  /** The environment the in-JVM worker was configured from (tests pin its keys). */
  Map<String, String> workerEnv() {
    return workerEnv;
  }

  /** The properties the admin API was started with, unset ones left out (tests pin them). */
  Map<String, Object> apiProperties() {
    return apiProperties;
  }

  /** The properties the routing runtime was started with, unset ones left out (tests). */
  Map<String, Object> routerProperties() {
    return routerProperties;
  }

  /**
   * Settings as command-line arguments: those outrank every property file of the application,
   * whereas builder "default properties" lose to them.
   */
  private static String[] arguments(Map<String, Object> properties) {
    return properties.entrySet().stream()
        .map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  /** Creates (or updates) the dev platform admin. */
  void createDevAdmin(String email, String password, String totpSecret) {
    api.getBean(AdminAccounts.class).createOrUpdate(email, password, totpSecret);
  }

  @Override
  public void close() {
    router.close();
    api.close();
    worker.close();
    activities.close();
    service.shutdown();
    if (tracing instanceof java.io.Closeable sdk) {
      // The worker's last spans go out before the trace viewer stops.
      try {
        sdk.close();
      } catch (java.io.IOException e) {
        // Spans lost at shutdown are no reason to fail it.
      }
    }
  }
}
