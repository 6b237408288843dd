package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.settings.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The usage writes' interval binds TASKIFAI_USAGE_FLUSH_INTERVAL; a bad one stops the start. */
class UsagePropertiesTest {

  @EnableConfigurationProperties(UsageProperties.class)
  static class Records {}

  @Test
  void theEnvironmentNameBindsTheRecord() {
    assertThat(
            Settings.of(Map.of("TASKIFAI_USAGE_FLUSH_INTERVAL", "PT0.5S"))
                .bind(UsageProperties.class)
                .flushInterval())
        .isEqualTo(Duration.ofMillis(500));
    assertThat(Settings.of(Map.of()).bind(UsageProperties.class).flushInterval())
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aBadIntervalIsRefusedByName() {
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_USAGE_FLUSH_INTERVAL", "30 seconds"))
                    .bind(UsageProperties.class))
        .hasMessageContaining("TASKIFAI_USAGE_FLUSH_INTERVAL='30 seconds'");
    new ApplicationContextRunner()
        .withUserConfiguration(Records.class)
        .withPropertyValues("taskifai.usage.flush-interval=-PT1S")
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("taskifai.usage.flush-interval")
                    .hasMessageContaining("TASKIFAI_USAGE_FLUSH_INTERVAL"));
  }
}
