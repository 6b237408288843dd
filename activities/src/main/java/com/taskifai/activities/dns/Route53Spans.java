package com.taskifai.activities.dns;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * A client span around each Route 53 call ({@code Route53/ChangeResourceRecordSets}, ...), its
 * retries included, under the activity that made it. It holds the service, the operation and the
 * HTTP status: never the record names, the request or response bodies, or the signed headers. The
 * client gets it only when traces are on ({@link Route53DnsProvider#client}); OpenTelemetry's own
 * AWS SDK instrumentation needs a propagator artifact Maven Central does not serve.
 */
final class Route53Spans implements ExecutionInterceptor {
  private static final ExecutionAttribute<Span> SPAN = new ExecutionAttribute<>("taskifai.span");

  private final Tracer tracer;

  Route53Spans(OpenTelemetry tracing) {
    this.tracer = tracing.getTracer("com.taskifai.activities.dns");
  }

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
    String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    Span span =
        tracer
            .spanBuilder(service + "/" + operation)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("rpc.system", "aws-api")
            .setAttribute("rpc.service", service)
            .setAttribute("rpc.method", operation)
            .startSpan();
    attributes.putAttribute(SPAN, span);
  }

  @Override
  public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
    Span span = attributes.getAttribute(SPAN);
    if (span != null) {
      span.setAttribute("http.response.status_code", context.httpResponse().statusCode());
      span.end();
    }
  }

  @Override
  public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
    Span span = attributes.getAttribute(SPAN);
    if (span != null) {
      // The type only: an error's message can quote the record.
      span.setStatus(StatusCode.ERROR);
      span.setAttribute("error.type", context.exception().getClass().getName());
      context
          .httpResponse()
          .ifPresent(r -> span.setAttribute("http.response.status_code", r.statusCode()));
      span.end();
    }
  }
}
