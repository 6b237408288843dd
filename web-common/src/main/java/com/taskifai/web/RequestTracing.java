package com.taskifai.web;

import com.taskifai.registry.tracing.PlatformTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Traces in a Spring Boot app (admin API, router); each app imports it ({@code Import}):
 *
 * <ul>
 *   <li>the process's {@link OpenTelemetry} ({@link PlatformTracing}: off, the no-op one, unless
 *       {@code OTEL_TRACES_EXPORTER} names an exporter), named after {@code
 *       spring.application.name} unless {@code OTEL_SERVICE_NAME} says otherwise, from the
 *       environment's {@code OTEL_*} settings or the same keys given as properties;
 *   <li>a filter that opens a server span for each request, continuing the caller's trace when it
 *       sends a W3C {@code traceparent}. The span is named by method and route pattern ({@code POST
 *       /admin/tenants}, {@code GET /admin/tenants/{id}}) and holds the method, route and status:
 *       never the query string, headers or body, which can carry tokens and passwords.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
public class RequestTracing {

  @Bean
  OpenTelemetry openTelemetry(
      @Value("${spring.application.name:taskifai}") String service,
      ConfigurableEnvironment environment) {
    return PlatformTracing.fromEnvironment(otelSettings(environment), service);
  }

  /**
   * The app's {@code OTEL_*} settings: the process environment's, under any the app was given as
   * properties (the dev launcher runs several apps in one JVM, each with its own service name, and
   * passes them as arguments).
   */
  static Map<String, String> otelSettings(ConfigurableEnvironment environment) {
    Map<String, String> settings = new HashMap<>();
    // Highest precedence first: the first source that names a key decides it.
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> names) {
        for (String name : names.getPropertyNames()) {
          Object value = names.getProperty(name);
          if (name.startsWith("OTEL_") && value != null) {
            settings.putIfAbsent(name, value.toString());
          }
        }
      }
    }
    return settings;
  }

  @Bean
  RequestSpanFilter requestSpanFilter(OpenTelemetry openTelemetry) {
    return new RequestSpanFilter(openTelemetry);
  }

  /** Opens a server span around each request when traces are on; passes through when off. */
  static final class RequestSpanFilter extends OncePerRequestFilter implements Ordered {
    private static final TextMapGetter<HttpServletRequest> HEADERS =
        new TextMapGetter<>() {
          @Override
          public Iterable<String> keys(HttpServletRequest request) {
            return Collections.list(request.getHeaderNames());
          }

          @Override
          public String get(HttpServletRequest request, String key) {
            return request == null ? null : request.getHeader(key);
          }
        };

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;
    private final boolean on;

    RequestSpanFilter(OpenTelemetry openTelemetry) {
      this.openTelemetry = openTelemetry;
      this.tracer = openTelemetry.getTracer("com.taskifai.web");
      this.on = PlatformTracing.isOn(openTelemetry);
    }

    @Override
    public int getOrder() {
      // Right after the malformed-request filter, before Spring Security: refusals are traced too.
      return Ordered.HIGHEST_PRECEDENCE + 1;
    }

    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      if (!on) {
        chain.doFilter(request, response);
        return;
      }
      String method = request.getMethod();
      Context parent =
          openTelemetry
              .getPropagators()
              .getTextMapPropagator()
              .extract(Context.root(), request, HEADERS);
      Span span =
          tracer
              .spanBuilder(method)
              .setParent(parent)
              .setSpanKind(SpanKind.SERVER)
              .setAttribute("http.request.method", method)
              .startSpan();
      try (Scope ignored = span.makeCurrent()) {
        chain.doFilter(request, response);
      } catch (IOException | ServletException | RuntimeException e) {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute("error.type", e.getClass().getName());
        throw e;
      } finally {
        Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (route != null) {
          span.updateName(method + " " + route);
          span.setAttribute("http.route", route.toString());
        }
        int status = response.getStatus();
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
          span.setStatus(StatusCode.ERROR);
        }
        span.end();
      }
    }
  }
}
