package com.taskifai.registry.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class SettingsTest {

  @Test
  void environmentNamesBindTheirPropertiesByRelaxedBinding() {
    Settings settings =
        Settings.of(
            Map.of(
                "TASKIFAI_DB_URL", "jdbc:postgresql://db:5432/p",
                "TASKIFAI_DB_USER", "platform_role",
                "TASKIFAI_DB_PASSWORD", " pw ",
                "TASKIFAI_BASE_DOMAIN", "example.com",
                "TASKIFAI_MASTER_KEYS_FILE", "/keys",
                "TASKIFAI_FAULT_INJECTION", "true",
                "TASKIFAI_ADMIN_URL", "https://admin.example.com/"));

    DbSettings db = settings.bind(DbSettings.class);
    PlatformSettings platform = settings.bind(PlatformSettings.class);

    assertThat(db.url()).isEqualTo("jdbc:postgresql://db:5432/p");
    // TASKIFAI_DB_USER does not map to taskifai.db.username by itself: the alias does it.
    assertThat(db.username()).isEqualTo("platform_role");
    assertThat(db.password()).isEqualTo("pw");
    assertThat(platform.baseDomain()).isEqualTo("example.com");
    assertThat(platform.masterKeysFile()).isEqualTo("/keys");
    assertThat(platform.faultInjection()).isTrue();
    assertThat(platform.adminUrl()).isEqualTo("https://admin.example.com");
    assertThat(platform.routerUrl()).isEqualTo("http://localhost:8081");
  }

  @Test
  void blankValuesAreUnsetAndSystemPropertiesWin() {
    Properties system = new Properties();
    system.setProperty("taskifai.db.url", "jdbc:postgresql://from-property/p");
    Settings settings =
        Settings.of(
            Map.of("TASKIFAI_DB_URL", "jdbc:postgresql://from-env/p", "TASKIFAI_DB_USER", " "),
            system);

    DbSettings db = settings.bind(DbSettings.class);

    assertThat(db.url()).isEqualTo("jdbc:postgresql://from-property/p");
    assertThat(db.username()).isEqualTo("taskifai_platform");
    assertThat(Settings.of(Map.of()).bind(DbSettings.class))
        .isEqualTo(
            new DbSettings("jdbc:postgresql://127.0.0.1:5432/taskifai", "taskifai_platform", ""));
  }

  @Test
  void aBadValueNamesItsEnvironmentVariable() {
    assertThatThrownBy(
            () ->
                Settings.of(Map.of("TASKIFAI_FAULT_INJECTION", "perhaps"))
                    .bind(PlatformSettings.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TASKIFAI_FAULT_INJECTION='perhaps'")
        .hasMessageContaining("taskifai.fault-injection");
    assertThat(Settings.envName("taskifai.db.username")).isEqualTo("TASKIFAI_DB_USER");
    assertThat(Settings.envName("taskifai.admin-login.rate.per-address"))
        .isEqualTo("TASKIFAI_ADMIN_LOGIN_RATE_PER_ADDRESS");
  }

  @Test
  void theSpringAppsSeeTheAliasesBelowExplicitProperties() {
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("TASKIFAI_DB_USER", "from_env", "TASKIFAI_DB_URL", "jdbc:x")));

    new SettingsAliases().postProcessEnvironment(environment, null);
    DbSettings db = Binder.get(environment).bindOrCreate("taskifai.db", DbSettings.class);

    assertThat(db.username()).isEqualTo("from_env");
    assertThat(db.url()).isEqualTo("jdbc:x");

    environment
        .getPropertySources()
        .addFirst(
            new org.springframework.core.env.MapPropertySource(
                "explicit", Map.of("taskifai.db.username", "explicit")));
    assertThat(Binder.get(environment).bindOrCreate("taskifai.db", DbSettings.class).username())
        .isEqualTo("explicit");
  }
}
