package com.taskifai.registry.settings;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertiesPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Binds the settings records outside a Spring context (the worker, tools, tests) with the same
 * relaxed rules Spring Boot applies in the apps: {@code TASKIFAI_SMTP_HOST} binds {@code
 * taskifai.smtp.host}. Blank environment values count as unset, as they always have.
 */
public final class Settings {
  /**
   * Environment names that relaxed binding does not map to their property, with that property. The
   * apps apply them through {@link SettingsAliases}.
   */
  public static final Map<String, String> ENV_ALIASES =
      Map.ofEntries(
          Map.entry("TASKIFAI_DB_USER", "taskifai.db.username"),
          // The cost report's settings live under taskifai.costs; their environment names say COST.
          Map.entry("TASKIFAI_COST_CURRENCY", "taskifai.costs.currency"),
          Map.entry("TASKIFAI_COST_PRICE_PER_GB_MONTH", "taskifai.costs.price-per-gb-month"),
          Map.entry(
              "TASKIFAI_COST_BACKUP_PRICE_PER_GB_MONTH",
              "taskifai.costs.backup-price-per-gb-month"),
          Map.entry("TASKIFAI_COST_PRICE_PER_DATABASE", "taskifai.costs.price-per-database"),
          Map.entry(
              "TASKIFAI_COST_PRICE_PER_MILLION_REQUESTS",
              "taskifai.costs.price-per-million-requests"),
          Map.entry("TASKIFAI_COST_SAMPLE_INTERVAL", "taskifai.costs.sample-interval"),
          Map.entry("TASKIFAI_COST_SAMPLE_MECHANISM", "taskifai.costs.sample-mechanism"),
          Map.entry("TASKIFAI_COST_METRICS_REFRESH", "taskifai.costs.metrics-refresh"));

  private final Binder binder;

  private Settings(Binder binder) {
    this.binder = binder;
  }

  /** Settings of an environment map alone (tests, and processes that read no system property). */
  public static Settings of(Map<String, String> env) {
    return of(env, new Properties());
  }

  /** Settings of system properties (which win) over the environment. */
  public static Settings of(Map<String, String> env, Properties systemProperties) {
    Map<String, Object> vars = new LinkedHashMap<>();
    env.forEach(
        (k, v) -> {
          if (k != null && v != null && !v.isBlank()) {
            vars.put(k, v.strip());
          }
        });
    List<PropertySource<?>> sources =
        List.of(
            new PropertiesPropertySource("systemProperties", systemProperties),
            new SystemEnvironmentPropertySource(
                // The name tells Spring Boot to map names the relaxed way of the environment.
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, vars),
            new MapPropertySource("environmentAliases", aliases(vars)));
    Iterable<ConfigurationPropertySource> configured = ConfigurationPropertySources.from(sources);
    return new Settings(new Binder(configured));
  }

  /** The properties the environment's aliases stand for. */
  static Map<String, Object> aliases(Map<String, ?> env) {
    return aliases(env::get);
  }

  /** The properties the aliases stand for, looking environment names up with {@code env}. */
  static Map<String, Object> aliases(java.util.function.Function<String, ?> env) {
    Map<String, Object> out = new HashMap<>();
    ENV_ALIASES.forEach(
        (envName, property) -> {
          Object value = env.apply(envName);
          if (value != null && !value.toString().isBlank()) {
            out.put(property, value.toString().strip());
          }
        });
    return out;
  }

  /** The record bound at its {@code @ConfigurationProperties} prefix, defaults where unset. */
  public <T> T bind(Class<T> type) {
    var annotation =
        type.getAnnotation(
            org.springframework.boot.context.properties.ConfigurationProperties.class);
    if (annotation == null) {
      throw new IllegalArgumentException(type + " is not a @ConfigurationProperties record");
    }
    String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
    try {
      return binder.bindOrCreate(prefix, type);
    } catch (BindException e) {
      throw new IllegalArgumentException(describe(e), e);
    }
  }

  /**
   * True when the environment (or a system property) gives {@code property} a value, so a caller
   * can refuse to fall back on a record's default where that would be wrong (a tool that must be
   * told which database to change).
   */
  public boolean isSet(String property) {
    return binder.bind(property, String.class).isBound();
  }

  /** The environment name that binds {@code property} (relaxed binding, or its alias). */
  public static String envName(String property) {
    for (Map.Entry<String, String> alias : ENV_ALIASES.entrySet()) {
      if (alias.getValue().equals(property)) {
        return alias.getKey();
      }
    }
    return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** Which setting is wrong and why, in the names an operator sets. */
  static String describe(BindException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    ConfigurationProperty property = e.getProperty();
    Class<?> type = e.getTarget().getType().resolve();
    String why = root.getMessage();
    if (type != null && type.isEnum()) {
      why =
          "must be one of "
              + Arrays.stream(type.getEnumConstants())
                  .map(c -> c.toString().toLowerCase(Locale.ROOT))
                  .collect(Collectors.joining(", "));
    }
    if (property == null) {
      return "invalid settings under " + e.getName() + ": " + why;
    }
    String name = property.getName().toString();
    return "invalid setting "
        + name
        + " ("
        + envName(name)
        + "='"
        + property.getValue()
        + "'): "
        + why;
  }
}
