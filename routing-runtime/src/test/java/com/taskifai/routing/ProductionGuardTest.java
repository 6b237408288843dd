package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

class ProductionGuardTest {

  @Test
  void productionRouterRefusesToStartWithoutItsTenantJwtSecret() {
    Map<String, Object> props =
        Map.of(
            "server.port", "0",
            "taskifai.env", "production",
            "taskifai.db.url", "jdbc:postgresql://127.0.0.1:1/taskifai",
            "taskifai.db.password", "pw",
            "taskifai.master-keys-file", "/run/secrets/master.keys");
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(RoutingRuntimeApplication.class)
                    .properties(props)
                    .run()
                    .close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TASKIFAI_TENANT_JWT_SECRET must be set")
        .hasMessageNotContaining("TASKIFAI_MASTER_KEYS_FILE");
  }

  @Test
  void withoutTaskifaiEnvTheRouterRunsTheProductionChecks() {
    Map<String, Object> props =
        Map.of(
            "server.port", "0",
            "taskifai.db.url", "jdbc:postgresql://127.0.0.1:1/taskifai",
            "taskifai.db.password", "pw",
            "taskifai.master-keys-file", "/run/secrets/master.keys");
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(RoutingRuntimeApplication.class)
                    .properties(props)
                    .run()
                    .close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TASKIFAI_ENV is unset, which means production")
        .hasMessageContaining("TASKIFAI_TENANT_JWT_SECRET must be set");
  }
}
