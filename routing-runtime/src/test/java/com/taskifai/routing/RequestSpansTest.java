package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.tracing.PlatformTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

class RequestSpansTest {
  private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
  private static RouterApp traced;
  private static TenantFixture.TestTenant tenant;

  /**
   * The router's traces recorded in memory, in place of the environment's (off in tests). A source
   * of this test's router only, not a {@code @Configuration}: the routing runtime's component scan
   * would pick one up wherever this test jar is on the classpath (the launcher's tests run routers
   * in their JVM, without the SDK's testing classes).
   */
  static class MemoryTracing {
    @Bean
    @Primary
    OpenTelemetry tracingToMemory() {
      return PlatformTracing.exportingTo(SPANS, "taskifai-routing-runtime");
    }
  }

  @BeforeAll
  static void start() {
    TenantFixture fixture = SharedRouter.fixture();
    tenant = fixture.createFromTemplate(TenantFixture.subdomain("traced"));
    traced = new RouterApp(fixture, Map.of(), MemoryTracing.class);
  }

  @AfterAll
  static void stop() {
    if (traced != null) {
      traced.close();
    }
  }

  @Test
  void aRoutedRequestIsAServerSpanWithTheTenantContinuingTheCallersTraceAndNoToken()
      throws Exception {
    String token = traced.adminToken(tenant);
    String callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    RouterClient.Response me =
        traced.send(
            traced.port,
            RouterClient.host(tenant.subdomain()),
            "/api/me",
            token,
            HttpRequest.newBuilder()
                .header("traceparent", "00-" + callerTrace + "-00f067aa0ba902b7-01")
                .GET());
    assertThat(me.status()).isEqualTo(200);

    SpanData span = onlyServerSpanOf(callerTrace);
    assertThat(span.getName()).isEqualTo("GET /api/me");
    assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("tenant")))
        .isEqualTo(tenant.id().toString());
    assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .isEqualTo(200L);
    String attributes = span.getAttributes().toString();
    assertThat(attributes).doesNotContain(token).doesNotContain("Bearer");
  }

  @Test
  void aRoutedRequestsSqlStatementsAreClientSpansUnderItsServerSpanWithNoTokenOrLiteral()
      throws Exception {
    String token = traced.adminToken(tenant);
    String callerTrace = "5bf92f3577b34da6a3ce929d0e0e4737";
    RouterClient.Response me =
        traced.send(
            traced.port,
            RouterClient.host(tenant.subdomain()),
            "/api/me",
            token,
            HttpRequest.newBuilder()
                .header("traceparent", "00-" + callerTrace + "-00f067aa0ba902b8-01")
                .GET());
    assertThat(me.status()).isEqualTo(200);

    SpanData request = onlyServerSpanOf(callerTrace);
    List<SpanData> statements =
        SPANS.getFinishedSpanItems().stream()
            .filter(s -> s.getTraceId().equals(callerTrace) && s.getKind() == SpanKind.CLIENT)
            .toList();
    assertThat(statements).as("the tenant database's statements").isNotEmpty();
    for (SpanData sql : statements) {
      assertThat(sql.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(sql.getAttributes().get(AttributeKey.stringKey("db.system")))
          .isEqualTo("postgresql");
      assertThat(sql.getAttributes().get(AttributeKey.stringKey("db.statement"))).isNotBlank();
      assertThat(sql.getName() + sql.getAttributes())
          .doesNotContain(token)
          .doesNotContain(tenant.id().toString());
    }
  }

  @Test
  void aRequestForNoTenantIsTracedWithoutATenant() throws Exception {
    String callerTrace = "0af7651916cd43dd8448eb211c80319c";
    RouterClient.Response refused =
        traced.send(
            traced.port,
            "nobody-here.localhost",
            "/api/me?token=not-in-spans",
            null,
            HttpRequest.newBuilder()
                .header("traceparent", "00-" + callerTrace + "-b7ad6b7169203331-01")
                .GET());
    assertThat(refused.status()).isEqualTo(403);
    SpanData span = onlyServerSpanOf(callerTrace);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("tenant"))).isNull();
    assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .isEqualTo(403L);
    assertThat(span.getName() + span.getAttributes()).doesNotContain("not-in-spans");
  }

  @Test
  void theSharedRoutersTracesAreOffAndItsOpenTelemetryIsTheNoOpOne() {
    assertThat(SharedRouter.app().bean(OpenTelemetry.class)).isSameAs(OpenTelemetry.noop());
  }

  /** The one server span of the trace; it ends just after the answer is sent, so wait for it. */
  private static SpanData onlyServerSpanOf(String traceId) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    List<SpanData> spans;
    do {
      spans =
          SPANS.getFinishedSpanItems().stream()
              .filter(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER)
              .toList();
      if (spans.isEmpty()) {
        Thread.sleep(20);
      }
    } while (spans.isEmpty() && System.nanoTime() < deadline);
    assertThat(spans).hasSize(1);
    return spans.get(0);
  }
}
