package com.taskifai.api;

import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.web.StartupCheck;
import java.util.Map;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Runs {@link ProductionSettings#check} before any other bean is made: unless {@code
 * TASKIFAI_ENV=dev} the admin API refuses to start on missing secrets, Temporal without TLS or a
 * dev-only switch, naming the setting.
 */
@Component
class ProductionGuard extends StartupCheck {
  /** Environment name to the Spring property ApiSettings reads it from. */
  static final Map<String, String> PROPERTIES =
      Map.ofEntries(
          Map.entry(ProductionSettings.ENV, "taskifai.env"),
          Map.entry("TASKIFAI_DB_URL", "taskifai.db.url"),
          Map.entry("TASKIFAI_DB_PASSWORD", "taskifai.db.password"),
          Map.entry("TASKIFAI_MASTER_KEYS", "taskifai.master-keys"),
          Map.entry("TASKIFAI_MASTER_KEYS_FILE", "taskifai.master-keys-file"),
          Map.entry("TASKIFAI_ADMIN_JWT_SECRET", "taskifai.admin-jwt-secret"),
          Map.entry("TASKIFAI_ADMIN_JWT_RSA_KEY_FILE", "taskifai.admin-jwt-rsa-key-file"),
          Map.entry("TASKIFAI_FAULT_INJECTION", "taskifai.fault-injection"),
          Map.entry("TASKIFAI_DEV", "taskifai.dev"),
          Map.entry("TASKIFAI_TEMPORAL_TARGET", "taskifai.temporal.target"),
          Map.entry("TASKIFAI_TEMPORAL_NAMESPACE", "taskifai.temporal.namespace"),
          // TemporalConnection reads TLS and the API key under their environment names.
          Map.entry("TASKIFAI_TEMPORAL_TLS", "TASKIFAI_TEMPORAL_TLS"),
          Map.entry("TASKIFAI_TEMPORAL_TLS_CA_FILE", "TASKIFAI_TEMPORAL_TLS_CA_FILE"),
          Map.entry("TASKIFAI_TEMPORAL_TLS_CERT_FILE", "TASKIFAI_TEMPORAL_TLS_CERT_FILE"),
          Map.entry("TASKIFAI_TEMPORAL_API_KEY", "TASKIFAI_TEMPORAL_API_KEY"),
          Map.entry(
              ProductionSettings.TEMPORAL_ALLOW_PLAIN, ProductionSettings.TEMPORAL_ALLOW_PLAIN));

  @Override
  protected void check(Environment environment) {
    Map<String, String> properties = new java.util.HashMap<>(PROPERTIES);
    // Lost-workflow recovery is on unless switched off (ApiSettings' default).
    properties.put("TASKIFAI_RECOVER_WORKFLOWS", "taskifai.recover-workflows");
    ProductionSettings.check(
        properties,
        p ->
            p.equals("taskifai.recover-workflows")
                ? environment.getProperty(p, "true")
                : environment.getProperty(p),
        ProductionSettings.Process.ADMIN_API);
  }
}
