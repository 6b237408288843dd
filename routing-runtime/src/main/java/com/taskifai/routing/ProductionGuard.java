package com.taskifai.routing;

import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.web.StartupCheck;
import java.util.Map;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Runs {@link ProductionSettings#check} before any other bean is made: unless {@code
 * TASKIFAI_ENV=dev} the router refuses to start without its tenant JWT secret or master key file,
 * naming the setting.
 */
@Component
class ProductionGuard extends StartupCheck {
  /** Environment name to the Spring property RoutingSettings reads it from. */
  static final Map<String, String> PROPERTIES =
      Map.of(
          ProductionSettings.ENV,
          "taskifai.env",
          "TASKIFAI_DB_URL",
          "taskifai.db.url",
          "TASKIFAI_DB_PASSWORD",
          "taskifai.db.password",
          "TASKIFAI_MASTER_KEYS",
          "taskifai.master-keys",
          "TASKIFAI_MASTER_KEYS_FILE",
          "taskifai.master-keys-file",
          "TASKIFAI_TENANT_JWT_SECRET",
          "taskifai.tenant-jwt-secret");

  @Override
  protected void check(Environment environment) {
    ProductionSettings.check(
        PROPERTIES, environment::getProperty, ProductionSettings.Process.ROUTER);
  }
}
