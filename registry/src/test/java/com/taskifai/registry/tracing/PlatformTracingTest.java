package com.taskifai.registry.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class PlatformTracingTest {

  @Test
  void tracesAreOffWithoutAnExporterAndOffIsTheNoOpOpenTelemetry() {
    for (Map<String, String> env :
        java.util.List.of(
            Map.<String, String>of(),
            Map.of("OTEL_TRACES_EXPORTER", "none"),
            Map.of("OTEL_TRACES_EXPORTER", " "),
            Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SDK_DISABLED", "true"),
            Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"))) {
      OpenTelemetry off = PlatformTracing.fromEnvironment(env, "taskifai-test");
      assertThat(off).as("%s", env).isSameAs(OpenTelemetry.noop());
      assertThat(PlatformTracing.isOn(off)).isFalse();
      assertThat(off.getTracer("t").spanBuilder("s").startSpan().getSpanContext().isValid())
          .as("a no-op span has no trace id")
          .isFalse();
      assertThat(PlatformTracing.describe(env)).startsWith("off");
    }
  }

  @Test
  void anOtlpExporterTurnsTracesOnWithTheSamplerTheSettingsName() {
    Map<String, String> env =
        Map.of(
            "OTEL_TRACES_EXPORTER", "otlp",
            // Nothing listens there: spans are dropped, nothing fails.
            "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9",
            "OTEL_TRACES_SAMPLER", "traceidratio",
            "OTEL_TRACES_SAMPLER_ARG", "0",
            "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer not-in-logs");
    OpenTelemetry on = PlatformTracing.fromEnvironment(env, "taskifai-test");
    try {
      assertThat(PlatformTracing.isOn(on)).isTrue();
      assertThat(on.getTracer("t").spanBuilder("s").startSpan().getSpanContext().isSampled())
          .as("ratio 0 samples nothing")
          .isFalse();
      assertThat(PlatformTracing.describe(env))
          .isEqualTo("on, exporter otlp, sampler traceidratio 0")
          .doesNotContain("not-in-logs")
          .doesNotContain("127.0.0.1");
    } finally {
      ((OpenTelemetrySdk) on).close();
    }
  }

  @Test
  void anInMemoryExporterRecordsEachSpanAsItEnds() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk on = PlatformTracing.exportingTo(spans, "taskifai-test")) {
      on.getTracer("t").spanBuilder("s").startSpan().end();
      assertThat(spans.getFinishedSpanItems()).hasSize(1);
      assertThat(spans.getFinishedSpanItems().get(0).getResource().getAttributes().asMap())
          .containsValue("taskifai-test");
    }
  }

  @Test
  void withTracesOffADataSourceIsNotWrappedAtAll() {
    DataSource postgres = TestPostgres.superuser("postgres");
    assertThat(PlatformTracing.traced(OpenTelemetry.noop(), postgres)).isSameAs(postgres);
  }

  @Test
  void eachStatementIsAClientSpanWhoseTextHoldsNoLiteralSuchAsARolesPassword() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    java.util.List<SpanData> statements;
    String role = "tracing_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String password = "Pw-" + UUID.randomUUID();
    try (OpenTelemetrySdk on = PlatformTracing.exportingTo(spans, "taskifai-test")) {
      DataSource traced = PlatformTracing.traced(on, TestPostgres.superuser("postgres"));
      io.opentelemetry.api.trace.Span step = on.getTracer("t").spanBuilder("step").startSpan();
      try (io.opentelemetry.context.Scope ignored = step.makeCurrent();
          Connection c = traced.getConnection();
          Statement st = c.createStatement()) {
        st.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        st.execute("ALTER ROLE " + role + " PASSWORD '" + password + "-2'");
        st.execute("DROP ROLE " + role);
      } finally {
        step.end();
      }
      statements =
          spans.getFinishedSpanItems().stream()
              .filter(s -> s.getKind() == SpanKind.CLIENT)
              .toList();
    }
    assertThat(statements).hasSize(3);
    String text = statements.toString();
    assertThat(text).contains("ALTER ROLE").contains("postgresql").doesNotContain(password);
    for (SpanData span : statements) {
      assertThat(span.getName() + span.getAttributes()).doesNotContain(password);
    }
  }
}
