package com.taskifai.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.DnsActivities;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import com.taskifai.workflows.ports.TenantDatabaseActivities;
import com.taskifai.workflows.ports.TenantMailActivities;
import com.taskifai.workflows.ports.TenantRegistryActivities;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PlatformActivitiesTest {

  @Test
  void buildsEveryActivityFromTheEnvironmentOnAPooledPlatformConnection() {
    TestPostgres.Platform platform = TestPostgres.platform();
    String keys = KeyRing.newKeyEntry("env1");
    Map<String, String> env =
        Map.of(
            "TASKIFAI_DB_URL",
            platform.jdbcUrl(),
            "TASKIFAI_DB_USER",
            platform.role(),
            "TASKIFAI_DB_PASSWORD",
            TestPostgres.PLATFORM_PASSWORD,
            "TASKIFAI_MASTER_KEYS",
            keys);
    new DatabaseServers(platform.platform())
        .upsert(
            new CredentialCipher(KeyRing.parse(keys)),
            "local-1",
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            10);

    try (PlatformActivities activities = PlatformActivities.fromEnvironment(env)) {
      assertThat(activities.implementations())
          .hasAtLeastOneElementOfType(TenantRegistryActivities.class)
          .hasAtLeastOneElementOfType(TenantDatabaseActivities.class)
          .hasAtLeastOneElementOfType(DnsActivities.class)
          .hasAtLeastOneElementOfType(TenantMailActivities.class)
          .hasAtLeastOneElementOfType(com.taskifai.workflows.ports.PointInTimeActivities.class)
          .hasAtLeastOneElementOfType(com.taskifai.workflows.ports.ImportActivities.class);
      assertThat(activities.interceptor()).isNotNull();
      UUID id = UUID.randomUUID();
      activities
          .registry()
          .reserveTenant(new ReserveTenantInput(id, "envtenant", "Env", "e@x.test", null, "t"));
      assertThat(activities.registry().placeDatabase(StepInput.of(id, "envtenant")).serverId())
          .isEqualTo("local-1");
      assertThat(new TenantRegistry(platform.platform()).findById(id).orElseThrow().status())
          .isEqualTo(TenantStatus.PROVISIONING);
    }
  }

  @Test
  void refusesToStartWithoutThePlatformDatabaseOrTheMasterKeys() {
    assertThatThrownBy(() -> PlatformActivities.fromEnvironment(Map.of()))
        .hasMessageContaining("TASKIFAI_DB_URL");
    assertThatThrownBy(
            () ->
                PlatformActivities.fromEnvironment(
                    Map.of("TASKIFAI_DB_URL", "jdbc:postgresql://x/y")))
        .hasMessageContaining("TASKIFAI_MASTER_KEYS");
  }

  @Test
  void theActivitiesFromTheEnvironmentCloseThePoolTheyOpened() {
    TestPostgres.Platform platform = TestPostgres.platform();
    String keys = KeyRing.newKeyEntry("env2");
    Map<String, String> env =
        Map.of(
            "TASKIFAI_DB_URL",
            platform.jdbcUrl(),
            "TASKIFAI_DB_USER",
            platform.role(),
            "TASKIFAI_DB_PASSWORD",
            TestPostgres.PLATFORM_PASSWORD,
            "TASKIFAI_MASTER_KEYS",
            keys);
    PlatformActivities activities = PlatformActivities.fromEnvironment(env);
    UUID id = UUID.randomUUID();
    activities
        .registry()
        .reserveTenant(new ReserveTenantInput(id, "closing", "Closing", "c@x.test", null, "t"));
    activities.close();
    // The pool closes with the activities (last, after the admin sessions): no statement runs.
    assertThatThrownBy(
            () ->
                activities
                    .registry()
                    .reserveTenant(
                        new ReserveTenantInput(
                            UUID.randomUUID(), "closed", "Closed", "c@x.test", null, "t")))
        .hasStackTraceContaining("has been closed");
  }

  @Test
  void theTenantMigrationLocationsAreReadThroughTheirSettingsRecord() {
    assertThat(
            com.taskifai.registry.settings.Settings.of(Map.of())
                .bind(TenantMigrationSettings.class)
                .tenantMigrationLocations())
        .containsExactly("classpath:db/tenant");
    assertThat(
            com.taskifai.registry.settings.Settings.of(
                    Map.of(
                        "TASKIFAI_TENANT_MIGRATION_LOCATIONS",
                        " classpath:db/tenant , ,classpath:db/tenant-test"))
                .bind(TenantMigrationSettings.class)
                .tenantMigrationLocations())
        .containsExactly("classpath:db/tenant", "classpath:db/tenant-test");
  }

  @Test
  void theBuilderNamesAMissingPart() {
    TestPostgres.Platform platform = TestPostgres.platform();
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("b1")));
    assertThatThrownBy(() -> PlatformActivities.builder(null, cipher, ActivitiesConfig.defaults()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("platform");
    assertThatThrownBy(
            () ->
                PlatformActivities.builder(platform.platform(), cipher, ActivitiesConfig.defaults())
                    .clock(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clock");
  }
}
