package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker as its own process. Configuration from the environment: {@code
 * TASKIFAI_TEMPORAL_TARGET} (default 127.0.0.1:7233), {@code TASKIFAI_TEMPORAL_NAMESPACE}
 * (default), {@code TASKIFAI_TEMPORAL_EMBEDDED} (true when the target is the SDK's test server),
 * {@code TASKIFAI_FAULT_INJECTION} (true registers the fault-injection interceptor), and whatever
 * {@link PlatformActivities#fromEnvironment} reads (platform database, master keys, SMTP, DNS).
 * {@code TASKIFAI_LOG_LEVEL} sets the root log level (INFO); each activity's log lines name its
 * tenant, workflow and activity.
 */
public final class WorkerMain {
  /** The worker's log format, with the log context keys; see the file. */
  static final String LOG_CONFIG = "taskifai-worker-logback.xml";

  static {
    // Before the first logger: the worker's own log format unless the operator names another.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOG_CONFIG);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

  /** Printed to standard output once the worker polls, for scripts and tests that wait on it. */
  static final String READY = "taskifai worker polling";

  private WorkerMain() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> env = System.getenv();
    String target = value(env, "TASKIFAI_TEMPORAL_TARGET", "127.0.0.1:7233");
    String namespace = value(env, "TASKIFAI_TEMPORAL_NAMESPACE", "default");
    boolean embedded = Boolean.parseBoolean(value(env, "TASKIFAI_TEMPORAL_EMBEDDED", "false"));

    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(target)
                // Reconnect within seconds once a Temporal server that was down is back.
                .setGrpcReconnectFrequency(java.time.Duration.ofSeconds(5))
                .build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    PlatformActivities activities = PlatformActivities.fromEnvironment(env);
    PlatformWorker worker =
        PlatformWorker.create(
            client,
            activities.implementations(),
            PlatformWorker.interceptors(activities, PlatformWorker.faultInjection(env)),
            embedded);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.close();
                  activities.close();
                  service.shutdown();
                  stopped.countDown();
                },
                "taskifai-worker-shutdown"));
    worker.start();
    log.info("worker polling {} on {} (namespace {})", target, "taskifai-platform", namespace);
    System.out.println(READY);
    System.out.flush();
    stopped.await();
  }

  private static String value(Map<String, String> env, String key, String fallback) {
    String value = env.get(key);
    return value == null || value.isBlank() ? fallback : value.strip();
  }
}
