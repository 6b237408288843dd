package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

class ProductionGuardTest {

  private static Map<String, Object> production() {
    Map<String, Object> props = new HashMap<>();
    props.put("server.port", "0");
    props.put("spring.flyway.enabled", "false");
    props.put("taskifai.env", "production");
    props.put("taskifai.db.url", "jdbc:postgresql://127.0.0.1:1/taskifai");
    props.put("taskifai.db.password", "pw");
    props.put("taskifai.master-keys-file", "/run/secrets/master.keys");
    props.put("taskifai.admin-jwt-secret", "0123456789abcdef0123456789abcdef");
    props.put("taskifai.temporal.target", "temporal:7233");
    props.put("taskifai.temporal.namespace", "taskifai");
    props.put("taskifai.recover-workflows", "false");
    props.put("TASKIFAI_TEMPORAL_TLS", "true");
    return props;
  }

  private static void refused(Map<String, Object> props, String setting) {
    refused(props, "TASKIFAI_ENV=production refuses", setting);
  }

  private static void refused(Map<String, Object> props, String why, String setting) {
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(AdminApiApplication.class)
                    .properties(props)
                    .run()
                    .close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(why)
        .hasMessageContaining(setting);
  }

  @Test
  void refusesWithoutAdminJwtSecret() {
    Map<String, Object> props = production();
    props.remove("taskifai.admin-jwt-secret");
    refused(props, "TASKIFAI_ADMIN_JWT_SECRET");
  }

  @Test
  void refusesLostWorkflowRecoveryByDefault() {
    Map<String, Object> props = production();
    props.remove("taskifai.recover-workflows");
    refused(props, "TASKIFAI_RECOVER_WORKFLOWS");
  }

  @Test
  void refusesFaultInjectionAndTheDevOutbox() {
    Map<String, Object> props = production();
    props.put("taskifai.fault-injection", "true");
    refused(props, "TASKIFAI_FAULT_INJECTION");
    Map<String, Object> dev = production();
    dev.put("taskifai.dev", "true");
    refused(dev, "TASKIFAI_DEV");
  }

  @Test
  void withoutTaskifaiEnvTheChecksRunAsInProduction() {
    Map<String, Object> props = production();
    props.remove("taskifai.env");
    props.remove("taskifai.admin-jwt-secret");
    refused(props, "TASKIFAI_ENV is unset, which means production", "TASKIFAI_ADMIN_JWT_SECRET");
  }

  @Test
  void refusesTemporalWithoutTlsUnlessAPrivateNetworkIsAllowed() {
    Map<String, Object> props = production();
    props.remove("TASKIFAI_TEMPORAL_TLS");
    refused(props, "TASKIFAI_TEMPORAL_ALLOW_PLAIN=true");
    props.put("TASKIFAI_TEMPORAL_ALLOW_PLAIN", "true");
    props.remove("taskifai.admin-jwt-secret");
    // Now only the secret is missing: Temporal on a private network passes.
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(AdminApiApplication.class)
                    .properties(props)
                    .run()
                    .close())
        .hasMessageContaining("TASKIFAI_ADMIN_JWT_SECRET")
        .hasMessageNotContaining("Temporal without TLS");
  }
}
