package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The provider record binds {@code TASKIFAI_DATABASE_PROVIDER} and {@code TASKIFAI_SUPABASE_*},
 * never shows the token, and the API does not start with a provider it cannot offer.
 */
class DatabaseProviderSettingsTest {
  private static final String TOKEN = "sbp_secret_0123456789";

  private static ApplicationContextRunner api(Map<String, Object> env) {
    return new ApplicationContextRunner()
        .withInitializer(
            ctx ->
                ctx.getEnvironment()
                    .getPropertySources()
                    .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)))
        .withUserConfiguration(DatabaseProviderChoice.class);
  }

  @Test
  void theEnvironmentNamesBindTheRecordAndTheTokenIsNeverShown() {
    DatabaseProviderSettings s =
        Settings.of(
                Map.of(
                    "TASKIFAI_DATABASE_PROVIDER", "supabase",
                    "TASKIFAI_SUPABASE_ACCESS_TOKEN", TOKEN,
                    "TASKIFAI_SUPABASE_ORGANIZATION", "acme"))
            .bind(DatabaseProviderSettings.class);

    assertThat(s.databaseProvider()).isEqualTo("supabase");
    assertThat(s.supabase().accessToken()).isEqualTo(TOKEN);
    assertThat(s.supabase().organization()).isEqualTo("acme");
    assertThat(s.supabaseSettings().defaultProvider()).isEqualTo(DatabaseProvider.SUPABASE);
    assertThat(s.supabaseSettings().enabled()).isTrue();
    assertThat(s.toString()).doesNotContain(TOKEN).contains("acme");
    assertThat(s.supabase().toString()).doesNotContain(TOKEN);

    DatabaseProviderSettings none = Settings.of(Map.of()).bind(DatabaseProviderSettings.class);
    assertThat(none.databaseProvider()).isEqualTo("postgres");
    assertThat(none.supabaseSettings().enabled()).isFalse();
  }

  @Test
  void theTokenFileIsReadWhenNoTokenIsSet(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    DatabaseProviderSettings s =
        Settings.of(
                Map.of(
                    "TASKIFAI_SUPABASE_ACCESS_TOKEN_FILE",
                    file.toString(),
                    "TASKIFAI_SUPABASE_ORGANIZATION",
                    "acme"))
            .bind(DatabaseProviderSettings.class);

    assertThat(s.supabaseSettings().accessToken()).isEqualTo(TOKEN);
    assertThat(s.supabaseSettings().defaultProvider()).isEqualTo(DatabaseProvider.POSTGRES);
  }

  @Test
  void anUnknownProviderIsRefusedByName() {
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_DATABASE_PROVIDER", "mysql"))
                    .bind(DatabaseProviderSettings.class))
        .hasMessageContaining("taskifai.database-provider")
        .hasMessageContaining("TASKIFAI_DATABASE_PROVIDER")
        .hasMessageContaining("mysql");
  }

  @Test
  void theApiStartsWithSupabaseOfferedOnlyWhenConfigured() {
    api(Map.of("TASKIFAI_SUPABASE_ACCESS_TOKEN", TOKEN, "TASKIFAI_SUPABASE_ORGANIZATION", "acme"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              DatabaseProviderChoice choice = ctx.getBean(DatabaseProviderChoice.class);
              assertThat(choice.problem("supabase")).isEmpty();
              assertThat(choice.choose(null)).isEqualTo(DatabaseProvider.POSTGRES);
            });
    api(Map.of("TASKIFAI_DATABASE_PROVIDER", "Supabase"))
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("TASKIFAI_DATABASE_PROVIDER=supabase needs")
                    .hasMessageNotContaining(TOKEN));
    api(Map.of("TASKIFAI_DATABASE_PROVIDER", "oracle"))
        .run(
            ctx ->
                assertThat(ctx.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("taskifai.database-provider"));
  }
}
