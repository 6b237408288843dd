package com.taskifai.registry.settings;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Keeps the environment names that relaxed binding does not map ({@link Settings#ENV_ALIASES})
 * working in the Spring apps: their values become the property they stand for, below every other
 * source (an explicit property wins).
 */
public class SettingsAliases implements EnvironmentPostProcessor {
  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    PropertySource<?> system =
        environment
            .getPropertySources()
            .get(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    if (system == null) {
      return;
    }
    Map<String, Object> aliases = Settings.aliases(system::getProperty);
    if (!aliases.isEmpty()) {
      environment
          .getPropertySources()
          .addLast(new MapPropertySource("taskifaiEnvAliases", aliases));
    }
  }
}
