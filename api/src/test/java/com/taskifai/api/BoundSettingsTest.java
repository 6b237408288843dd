package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.api.costs.CostSettings;
import com.taskifai.registry.settings.Settings;
import com.taskifai.registry.settings.SettingsAliases;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The cost report's and the fleet operations' settings records bind their public environment names
 * ({@code TASKIFAI_COST_*} through aliases, the others by relaxed binding), hold their defaults,
 * and a bad value stops the start with a message that names the setting.
 */
class BoundSettingsTest {

  @Configuration
  @EnableConfigurationProperties({CostSettings.class, FleetSettings.class})
  static class Records {}

  /** An API context whose process environment is {@code env}, aliases applied as in the app. */
  private static ApplicationContextRunner api(Map<String, Object> env) {
    return new ApplicationContextRunner()
        .withInitializer(
            ctx -> {
              ctx.getEnvironment()
                  .getPropertySources()
                  .replace(
                      StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                      new SystemEnvironmentPropertySource(
                          StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
              new SettingsAliases().postProcessEnvironment(ctx.getEnvironment(), null);
            })
        .withUserConfiguration(Records.class);
  }

  @Test
  void theCostEnvironmentNamesBindTheCostsRecord() {
    CostSettings costs =
        Settings.of(
                Map.of(
                    "TASKIFAI_COST_CURRENCY", " EUR ",
                    "TASKIFAI_COST_PRICE_PER_GB_MONTH", "2.5",
                    "TASKIFAI_COST_BACKUP_PRICE_PER_GB_MONTH", "1",
                    "TASKIFAI_COST_PRICE_PER_DATABASE", "7",
                    "TASKIFAI_COST_PRICE_PER_MILLION_REQUESTS", "1000",
                    "TASKIFAI_COST_SAMPLE_INTERVAL", "PT2S",
                    "TASKIFAI_COST_SAMPLE_MECHANISM", "timer",
                    "TASKIFAI_COST_METRICS_REFRESH", "PT1S"))
            .bind(CostSettings.class);

    assertThat(costs.prices())
        .isEqualTo(
            new CostSettings.Prices(
                "EUR",
                new BigDecimal("2.5"),
                BigDecimal.ONE,
                new BigDecimal("7"),
                new BigDecimal("1000")));
    assertThat(costs.sampleInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(costs.mechanism()).isEqualTo(CostSettings.Mechanism.TIMER);
    assertThat(costs.metricsRefresh()).isEqualTo(Duration.ofSeconds(1));
    // The relaxed name of the property works too.
    assertThat(
            Settings.of(Map.of("TASKIFAI_COSTS_CURRENCY", "CHF"))
                .bind(CostSettings.class)
                .currency())
        .isEqualTo("CHF");
    assertThat(Settings.envName("taskifai.costs.price-per-gb-month"))
        .isEqualTo("TASKIFAI_COST_PRICE_PER_GB_MONTH");
  }

  @Test
  void theCostDefaults() {
    CostSettings costs = Settings.of(Map.of()).bind(CostSettings.class);

    assertThat(costs.prices())
        .isEqualTo(
            new CostSettings.Prices(
                "USD",
                new BigDecimal("0.115"),
                new BigDecimal("0.023"),
                new BigDecimal("5.00"),
                new BigDecimal("0.40")));
    assertThat(costs.sampleInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(costs.mechanism()).isEqualTo(CostSettings.Mechanism.AUTO);
    assertThat(costs.metricsRefresh()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void badCostSettingsAreRefusedByName() {
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_COST_PRICE_PER_DATABASE", "-1"))
                    .bind(CostSettings.class))
        .hasMessageContaining("taskifai.costs.price-per-database")
        .hasMessageContaining("TASKIFAI_COST_PRICE_PER_DATABASE");
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_COST_SAMPLE_INTERVAL", "hourly"))
                    .bind(CostSettings.class))
        .hasMessageContaining("TASKIFAI_COST_SAMPLE_INTERVAL='hourly'");
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_COST_SAMPLE_MECHANISM", "cron"))
                    .bind(CostSettings.class))
        .hasMessageContaining("taskifai.costs.sample-mechanism")
        .hasMessageContaining("'cron'");
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_COST_METRICS_REFRESH", "PT0S"))
                    .bind(CostSettings.class))
        .hasMessageContaining("taskifai.costs.metrics-refresh");
  }

  @Test
  void theFleetEnvironmentNamesBindTheirRecord() {
    FleetSettings fleet =
        Settings.of(
                Map.of(
                    "TASKIFAI_MOVE_GRACE", "PT5M",
                    "TASKIFAI_DRAIN_CONCURRENCY", "4",
                    "TASKIFAI_SERVER_HEALTH_TIMEOUT", "PT1S",
                    "TASKIFAI_ARCHIVING_METRICS_REFRESH", "PT2S",
                    "TASKIFAI_BACKUP_METRICS_REFRESH", "PT3S"))
            .bind(FleetSettings.class);

    assertThat(fleet)
        .isEqualTo(
            new FleetSettings(
                Duration.ofMinutes(5),
                4,
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(3)));
    assertThat(Settings.of(Map.of()).bind(FleetSettings.class))
        .isEqualTo(
            new FleetSettings(
                Duration.ofHours(24),
                2,
                Duration.ofSeconds(3),
                Duration.ofMinutes(1),
                Duration.ofSeconds(30)));
  }

  @Test
  void badFleetSettingsAreRefusedByName() {
    assertThatThrownBy(
            () -> Settings.of(Map.of("TASKIFAI_DRAIN_CONCURRENCY", "-2")).bind(FleetSettings.class))
        .hasMessageContaining("taskifai.drain-concurrency")
        .hasMessageContaining("TASKIFAI_DRAIN_CONCURRENCY");
    assertThatThrownBy(
            () -> Settings.of(Map.of("TASKIFAI_MOVE_GRACE", "a day")).bind(FleetSettings.class))
        .hasMessageContaining("TASKIFAI_MOVE_GRACE='a day'");
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_SERVER_HEALTH_TIMEOUT", "-PT1S"))
                    .bind(FleetSettings.class))
        .hasMessageContaining("taskifai.server-health-timeout");
  }

  @Test
  void theExportRetentionWindowsBindTheirNamesAndRefuseANegativeOne() {
    var defaults =
        Settings.of(Map.of()).bind(com.taskifai.activities.backup.ExportRetentionSettings.class);
    assertThat(defaults.retentionGrace()).isEqualTo(Duration.ofDays(7));
    assertThat(defaults.finalRetention()).isEqualTo(Duration.ofDays(30));
    var set =
        Settings.of(
                Map.of(
                    "TASKIFAI_EXPORT_RETENTION_GRACE", "3",
                    "TASKIFAI_EXPORT_FINAL_RETENTION", "P90D"))
            .bind(com.taskifai.activities.backup.ExportRetentionSettings.class);
    assertThat(set.retentionGrace()).as("a number is days").isEqualTo(Duration.ofDays(3));
    assertThat(set.finalRetention()).isEqualTo(Duration.ofDays(90));
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_EXPORT_RETENTION_GRACE", "P-1D"))
                    .bind(com.taskifai.activities.backup.ExportRetentionSettings.class))
        .hasMessageContaining("TASKIFAI_EXPORT_RETENTION_GRACE");
    assertThat(
            Settings.of(Map.of("TASKIFAI_IMPORT_SOURCE_HOSTS", "db.customer.test:5432"))
                .bind(AdminSettings.class)
                .importSourceHosts())
        .isEqualTo("db.customer.test:5432");
  }

  @Test
  void theApiBindsTheEnvironmentNamesOfItsProcess() {
    api(Map.of(
            "TASKIFAI_COST_PRICE_PER_GB_MONTH", "2.5",
            "TASKIFAI_COST_METRICS_REFRESH", "PT1S",
            "TASKIFAI_MOVE_GRACE", "PT1H",
            "TASKIFAI_DRAIN_CONCURRENCY", "3"))
        .withPropertyValues("taskifai.costs.currency=EUR")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              CostSettings costs = ctx.getBean(CostSettings.class);
              assertThat(costs.pricePerGbMonth()).isEqualByComparingTo("2.5");
              assertThat(costs.metricsRefresh()).isEqualTo(Duration.ofSeconds(1));
              assertThat(costs.currency()).isEqualTo("EUR");
              FleetSettings fleet = ctx.getBean(FleetSettings.class);
              assertThat(fleet.moveGrace()).isEqualTo(Duration.ofHours(1));
              assertThat(fleet.drainConcurrency()).isEqualTo(3);
            });
  }

  @Test
  void anExplicitPropertyWinsOverTheAliasedEnvironmentName() {
    api(Map.of("TASKIFAI_COST_CURRENCY", "EUR"))
        .withPropertyValues("taskifai.costs.currency=CHF")
        .run(ctx -> assertThat(ctx.getBean(CostSettings.class).currency()).isEqualTo("CHF"));
  }

  @Test
  void aBadValueStopsTheStartNamingTheSetting() {
    api(Map.of("TASKIFAI_DRAIN_CONCURRENCY", "-1"))
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("taskifai.drain-concurrency")
                    .hasMessageContaining("TASKIFAI_DRAIN_CONCURRENCY"));
    api(Map.of("TASKIFAI_COST_SAMPLE_INTERVAL", "hourly"))
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .hasStackTraceContaining(
                        "Failed to bind properties under 'taskifai.costs.sample-interval'")
                    .rootCause()
                    .hasMessageContaining("'hourly' is not a valid duration"));
  }
}
