package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * Metrics (which name every tenant) only on the management port, bound to loopback; health stays
 * open on the main port.
 */
class ManagementPortTest {
  @Test
  void metricsAreNotServedOnTheMainPortButHealthIs() {
    RouterApp app = SharedRouter.app();
    RouterApp.Response prometheus = app.get("localhost", "/actuator/prometheus", null);
    assertThat(prometheus.status()).isEqualTo(404);
    assertThat(prometheus.body()).doesNotContain("taskifai_");
    RouterApp.Response health = app.get("localhost", "/actuator/health", null);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asString()).isEqualTo("UP");
    assertThat(app.get("localhost", "/readyz", null).status()).isEqualTo(200);
    assertThat(app.get("localhost", "/livez", null).status()).isEqualTo(200);
    assertThat(app.metrics()).contains("taskifai_router_");
  }

  @Test
  void theManagementPortListensOnLoopbackOnly() throws Exception {
    RouterApp app = SharedRouter.app();
    assertThat(app.managementPort).isNotEqualTo(app.port);
    // The main port listens on every address, 127.0.0.2 included; the management port on
    // 127.0.0.1 alone.
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.2", app.port), 2_000);
    }
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.2", app.managementPort), 2_000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }
}
