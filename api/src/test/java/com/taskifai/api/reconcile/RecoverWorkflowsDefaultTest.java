package com.taskifai.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.ApiSettings;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Lost-workflow recovery restarts provisioning by itself; it is on only where asked for (the dev
 * launcher), never by default.
 */
class RecoverWorkflowsDefaultTest {
  private final ApplicationContextRunner context =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(PropertyPlaceholderAutoConfiguration.class))
          // Durations in the settings are converted as in the running application.
          .withInitializer(
              ctx ->
                  ctx.getBeanFactory()
                      .setConversionService(ApplicationConversionService.getSharedInstance()))
          .withBean(ApiSettings.class);

  @Test
  void recoveryIsOffByDefaultEvenInDevMode() {
    context.run(c -> assertThat(c.getBean(ApiSettings.class).recoverWorkflows()).isFalse());
    context
        .withPropertyValues("taskifai.dev=true")
        .run(c -> assertThat(c.getBean(ApiSettings.class).recoverWorkflows()).isFalse());
  }

  @Test
  void recoveryIsOnWhenTheLauncherSetsIt() {
    context
        .withPropertyValues("taskifai.recover-workflows=true")
        .run(c -> assertThat(c.getBean(ApiSettings.class).recoverWorkflows()).isTrue());
  }
}
