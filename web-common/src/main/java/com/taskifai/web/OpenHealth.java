package com.taskifai.web;

import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /actuator/health} on the main port for load balancers and the launcher: the overall
 * status only (200 when UP, else 503), from the actuator's health endpoint, whose other details and
 * the metrics are served on the management port. Each app imports it ({@code @Import}).
 */
@RestController
public class OpenHealth {
  private final ObjectProvider<HealthEndpoint> health;

  public OpenHealth(ObjectProvider<HealthEndpoint> health) {
    this.health = health;
  }

  @GetMapping("/actuator/health")
  public ResponseEntity<Map<String, String>> health() {
    HealthEndpoint endpoint = health.getIfAvailable();
    Status status = endpoint == null ? Status.UNKNOWN : endpoint.health().getStatus();
    return ResponseEntity.status(Status.UP.equals(status) ? 200 : 503)
        .body(Map.of("status", status.getCode()));
  }
}
