package com.taskifai.registry.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.instrumentation.jdbc.datasource.JdbcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The one place a platform process (admin API, worker, router) gets its {@link OpenTelemetry}:
 * traces are off unless the standard {@code OTEL_TRACES_EXPORTER} names an exporter (such as {@code
 * otlp}), and off is {@link OpenTelemetry#noop()}, which records nothing and costs nothing. When
 * on, the SDK's autoconfiguration reads every other {@code OTEL_*} setting ({@code
 * OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_TRACES_SAMPLER}, {@code OTEL_TRACES_SAMPLER_ARG},
 * {@code OTEL_SERVICE_NAME}, ...); metrics and logs stay with Prometheus and the log files, so
 * their exporters default to none.
 */
public final class PlatformTracing {
  /** The standard setting that turns traces on when it names an exporter other than none. */
  public static final String TRACES_EXPORTER = "OTEL_TRACES_EXPORTER";

  private PlatformTracing() {}

  /**
   * The process's OpenTelemetry as the environment describes it.
   *
   * @param env the process environment ({@code OTEL_*} keys)
   * @param serviceName the service name when {@code OTEL_SERVICE_NAME} does not give one
   */
  public static OpenTelemetry fromEnvironment(Map<String, String> env, String serviceName) {
    if (!configured(env)) {
      return OpenTelemetry.noop();
    }
    return AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(
            () ->
                Map.of(
                    "otel.service.name", serviceName,
                    "otel.metrics.exporter", "none",
                    "otel.logs.exporter", "none"))
        .addPropertiesCustomizer(
            config -> {
              // The environment the caller passed decides, also where it is not the JVM's own.
              Map<String, String> own = new java.util.HashMap<>();
              env.forEach(
                  (k, v) -> {
                    if (k.startsWith("OTEL_") && v != null && !v.isBlank()) {
                      own.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v.strip());
                    }
                  });
              return own;
            })
        .build()
        .getOpenTelemetrySdk();
  }

  /**
   * One line for the process's start log: whether traces are on, and the exporter and sampler
   * (never the endpoint or headers, which can carry credentials).
   */
  public static String describe(Map<String, String> env) {
    if (!configured(env)) {
      return "off (set OTEL_TRACES_EXPORTER=otlp and OTEL_EXPORTER_OTLP_ENDPOINT to export)";
    }
    String sampler = env.get("OTEL_TRACES_SAMPLER");
    String arg = env.get("OTEL_TRACES_SAMPLER_ARG");
    return "on, exporter "
        + env.get(TRACES_EXPORTER).strip()
        + ", sampler "
        + (sampler == null || sampler.isBlank() ? "parentbased_always_on" : sampler.strip())
        + (arg == null || arg.isBlank() ? "" : " " + arg.strip());
  }

  /** True when {@code env} turns traces on. */
  public static boolean configured(Map<String, String> env) {
    String exporter = env.get(TRACES_EXPORTER);
    if (exporter == null || exporter.isBlank()) {
      return false;
    }
    if ("true".equalsIgnoreCase(String.valueOf(env.get("OTEL_SDK_DISABLED")).strip())) {
      return false;
    }
    return !"none".equalsIgnoreCase(exporter.strip());
  }

  /**
   * An OpenTelemetry that records every span into {@code exporter} as it ends, with the W3C
   * propagation the autoconfigured one uses (tests hand it an in-memory exporter).
   */
  public static OpenTelemetrySdk exportingTo(SpanExporter exporter, String serviceName) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .setResource(
                    Resource.getDefault().toBuilder().put("service.name", serviceName).build())
                .setSampler(Sampler.alwaysOn())
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /**
   * {@code dataSource} with a client span per JDBC statement when traces are on, and {@code
   * dataSource} itself when they are off (no wrapper, no cost). See {@link #statementSpans}.
   */
  public static DataSource traced(OpenTelemetry openTelemetry, DataSource dataSource) {
    return statementSpans(openTelemetry).apply(dataSource);
  }

  /**
   * What wraps a data source so that each JDBC statement is a client span: the identity when traces
   * are off (no wrapper is installed, so off costs nothing). The spans hold the statement's text as
   * the instrumentation sanitizes it (every literal replaced by {@code ?}: an {@code ALTER ROLE ...
   * PASSWORD '...'} shows no password), the database and the server; never bound parameters or
   * rows. Taking a connection from a pool is no span of its own.
   */
  public static UnaryOperator<DataSource> statementSpans(OpenTelemetry openTelemetry) {
    if (!isOn(openTelemetry)) {
      return UnaryOperator.identity();
    }
    JdbcTelemetry jdbc =
        JdbcTelemetry.builder(openTelemetry)
            .setDataSourceInstrumenterEnabled(false)
            .setQuerySanitizationEnabled(true)
            .setCaptureQueryParameters(false)
            .build();
    return jdbc::wrap;
  }

  /** True unless {@code openTelemetry} is the no-op one (traces off). */
  public static boolean isOn(OpenTelemetry openTelemetry) {
    return openTelemetry != OpenTelemetry.noop();
  }
}
