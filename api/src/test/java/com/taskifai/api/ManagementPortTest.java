package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** Metrics only on the management port, bound to loopback; health stays open on the main port. */
class ManagementPortTest extends ApiTestBase {
  @Test
  void metricsAreNotServedOnTheMainPortButHealthIs() {
    Answer prometheus = http.get("/actuator/prometheus", null);
    assertThat(prometheus.status()).isNotEqualTo(200);
    assertThat(prometheus.body()).doesNotContain("taskifai_");
    Answer health = http.get("/actuator/health", null);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.text("status")).isEqualTo("UP");
    assertThat(http.get("/readyz", null).status()).isEqualTo(200);
    assertThat(management.get("/actuator/prometheus", null).body()).contains("taskifai_");
  }

  @Test
  void noSupabaseComponentWhileSupabaseIsNotConfigured() {
    Answer health = management.get("/actuator/health", null);
    assertThat(health.json().at("/components/db/status").asString()).isEqualTo("UP");
    assertThat(health.json().at("/components/supabase").isMissingNode()).isTrue();
  }

  @Test
  void theManagementPortListensOnLoopbackOnly() throws Exception {
    assertThat(managementPort).isNotEqualTo(port);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.2", port), 2_000);
    }
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.2", managementPort), 2_000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }
}
