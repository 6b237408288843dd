package com.taskifai.workflows.client;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingOptions;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Traces through Temporal: the SDK's tracing interceptors (temporal-opentracing, the only tracing
 * module the Java SDK ships) reporting into the process's OpenTelemetry through the OpenTracing
 * shim. The client interceptor opens a span for each workflow start and puts its context into the
 * workflow's headers; the worker interceptor continues it in each workflow run and each activity,
 * on whichever worker runs them. With traces off (the no-op OpenTelemetry) no interceptor is added
 * and Temporal's calls are untouched.
 *
 * <p>The interceptors tag spans with workflow, run and activity ids only: never arguments or
 * results, which can hold credentials.
 */
public final class TemporalTracing {
  private TemporalTracing() {}

  /** {@code options} with the client tracing interceptor added when traces are on. */
  public static WorkflowClientOptions clientOptions(
      WorkflowClientOptions options, OpenTelemetry openTelemetry) {
    Optional<OpenTracingOptions> tracing = tracingOptions(openTelemetry);
    if (tracing.isEmpty()) {
      return options;
    }
    List<WorkflowClientInterceptor> interceptors = new ArrayList<>();
    if (options.getInterceptors() != null) {
      interceptors.addAll(List.of(options.getInterceptors()));
    }
    interceptors.add(new OpenTracingClientInterceptor(tracing.get()));
    return WorkflowClientOptions.newBuilder(options)
        .setInterceptors(interceptors.toArray(WorkflowClientInterceptor[]::new))
        .build();
  }

  /**
   * The worker interceptors that trace workflow runs and activities: one when traces are on, none
   * when off. Put them last in a worker factory's list, so their spans cover the other
   * interceptors' work.
   */
  public static List<WorkerInterceptor> workerInterceptors(OpenTelemetry openTelemetry) {
    return tracingOptions(openTelemetry)
        .<List<WorkerInterceptor>>map(o -> List.of(new OpenTracingWorkerInterceptor(o)))
        .orElse(List.of());
  }

  private static Optional<OpenTracingOptions> tracingOptions(OpenTelemetry openTelemetry) {
    if (openTelemetry == OpenTelemetry.noop()) {
      return Optional.empty();
    }
    return Optional.of(
        OpenTracingOptions.newBuilder()
            .setTracer(OpenTracingShim.createTracerShim(openTelemetry))
            .build());
  }
}
