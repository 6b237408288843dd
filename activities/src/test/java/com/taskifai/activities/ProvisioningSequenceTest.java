package com.taskifai.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.FailureRecord;
import com.taskifai.workflows.ports.StepInput;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The activities in the order the provisioning workflow runs them, and every undo in reverse: what
 * one step leaves behind is what the next one needs, and a full rollback leaves nothing.
 */
class ProvisioningSequenceTest {
  private static final ActivitiesFixture fx = new ActivitiesFixture();

  @Test
  void provisionsATenantWhoseAppRoleReachesOnlyItsOwnDatabase() throws Exception {
    StepInput a = provision(fx);
    StepInput b = provision(fx);

    TenantCredentials credsA = TenantCredentials.decrypt(fx.cipher, fx.tenant(a.tenantId()));
    TenantCredentials credsB = TenantCredentials.decrypt(fx.cipher, fx.tenant(b.tenantId()));
    try (Connection c =
        java.sql.DriverManager.getConnection(
            credsA.jdbcUrl(), credsA.username(), credsA.password())) {
      assertThat(c.isValid(2)).isTrue();
    }
    // Tenant A's app role against tenant B's database: refused by the server.
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                java.sql.DriverManager.getConnection(
                        credsB.jdbcUrl(), credsA.username(), credsA.password())
                    .close())
        .isInstanceOf(java.sql.SQLException.class)
        .hasMessageContaining("permission denied");
    assertThat(fx.tenant(a.tenantId()).status()).isEqualTo(TenantStatus.ACTIVE);
    assertThat(fx.secrets.get(a.tenantId(), StagedSecrets.APP_PASSWORD)).isEmpty();
    // The set-password token is made when the welcome mail goes out, not before.
    assertThat(fx.secrets.get(a.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN)).isEmpty();
  }

  @Test
  void aFullRollbackLeavesNoDatabaseRoleDnsRecordCredentialOrSecret() {
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    var db = fx.activities.database();
    db.createDatabase(input);
    fx.activities.registry().storeCredentials(input);
    fx.activities.dns().configureDns(input);
    db.migrateSchema(input);
    db.seedVendorConfigs(input);
    db.applyRls(input);
    db.createAdminUser(input);

    // Compensation in reverse order, twice, as a retried rollback would.
    for (int i = 0; i < 2; i++) {
      fx.activities.dns().deleteDns(input);
      fx.activities.registry().eraseCredentials(input);
      db.dropDatabase(input);
      fx.activities
          .registry()
          .releaseTenant(new FailureRecord(input.tenantId(), "send_verification_email", "test"));
    }

    assertThat(fx.databaseExists(names.database())).isFalse();
    assertThat(fx.roleExists(names.ownerRole())).isFalse();
    assertThat(fx.roleExists(names.appRole())).isFalse();
    assertThat(fx.dnsRecords(input.subdomain() + ".localhost")).isZero();
    assertThat(fx.tenant(input.tenantId()).hasCredentials()).isFalse();
    assertThat(fx.tenant(input.tenantId()).status()).isEqualTo(TenantStatus.FAILED);
    assertThat(
            ActivitiesFixture.count(
                fx.platform.owner(),
                "SELECT count(*) FROM tenant_secrets WHERE tenant_id = ?",
                input.tenantId()))
        .isZero();
  }

  @Test
  void concurrentCreatesShareTheTemplateSafely() throws Exception {
    List<StepInput> inputs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      inputs.add(fx.reserveAndPlace());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (StepInput input : inputs) {
        done.add(pool.submit(() -> fx.activities.database().createDatabase(input)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    for (StepInput input : inputs) {
      assertThat(fx.databaseExists(TenantDatabaseNames.of(input.tenantId()).database())).isTrue();
      fx.activities.database().dropDatabase(input);
    }
  }

  @Test
  void worksWithAServerAdminThatIsNoSuperuser() throws Exception {
    String admin = "srv_admin_" + UUID.randomUUID().toString().substring(0, 8);
    TestPostgres.execute(
        fx.server(), "CREATE ROLE " + admin + " LOGIN CREATEDB CREATEROLE PASSWORD 'pw'");
    ActivitiesFixture limited =
        new ActivitiesFixture(ActivitiesConfig.defaults().withTemplateFastPath(false));
    new DatabaseServers(limited.platform.platform())
        .upsert(
            limited.cipher,
            ActivitiesFixture.SERVER_ID,
            "local",
            TestPostgres.jdbcUrl("postgres"),
            admin,
            "pw",
            10);

    StepInput input = provision(limited);
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    assertThat(
            ActivitiesFixture.count(
                limited.tenantDatabase(input.tenantId()),
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> ?",
                names.ownerRole()))
        .isZero();

    TenantCredentials creds =
        TenantCredentials.decrypt(limited.cipher, limited.tenant(input.tenantId()));
    try (Connection open =
        java.sql.DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      limited.activities.database().dropDatabase(input);
    }
    assertThat(limited.databaseExists(names.database())).isFalse();
    assertThat(limited.roleExists(names.ownerRole())).isFalse();
    assertThat(limited.roleExists(names.appRole())).isFalse();
  }

  private static StepInput provision(ActivitiesFixture f) {
    StepInput input = f.reserve();
    f.activities.registry().placeDatabase(input);
    var db = f.activities.database();
    db.createDatabase(input);
    f.activities.registry().storeCredentials(input);
    f.activities.dns().configureDns(input);
    db.migrateSchema(input);
    db.seedVendorConfigs(input);
    db.applyRls(input);
    db.createAdminUser(input);
    f.activities.registry().markAwaitingVerification(input);
    f.activities.registry().markVerified(input);
    f.activities.registry().activateTenant(input);
    return input;
  }
}
