package com.taskifai.activities.database;

import static com.taskifai.activities.ActivitiesFixture.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantDatabaseActivitiesTest {

  private static ActivitiesFixture fixture(boolean templateFastPath) {
    return new ActivitiesFixture(
        ActivitiesConfig.defaults().withTemplateFastPath(templateFastPath));
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true, false})
  void createsTheDatabaseThatOnlyTheTenantsRolesMayConnectTo(boolean fastPath) throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());

    fx.activities.database().createDatabase(input);

    assertThat(fx.databaseExists(names.database())).isTrue();
    assertThat(fx.roleExists(names.ownerRole())).isTrue();
    assertThat(fx.roleExists(names.appRole())).isTrue();
    assertThat(
            count(
                fx.server(),
                "SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba"
                    + " WHERE d.datname = ? AND r.rolname = ?",
                names.database(),
                names.ownerRole()))
        .isEqualTo(1);
    String password = fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD).orElseThrow();
    assertThat(canConnect(names.database(), names.appRole(), password)).isTrue();
    // A login role that is not the tenant's is only a member of PUBLIC, which has no CONNECT.
    String stranger = "stranger_" + UUID.randomUUID().toString().substring(0, 8);
    TestPostgres.execute(fx.server(), "CREATE ROLE " + stranger + " LOGIN PASSWORD 'pw'");
    assertThatThrownBy(() -> connect(names.database(), stranger, "pw"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("permission denied");
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true, false})
  void aSecondCreateFindsTheDatabaseAndRotatesTheStagedPassword(boolean fastPath) throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    fx.activities.database().createDatabase(input);
    String first = fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD).orElseThrow();

    fx.activities.database().createDatabase(input);

    String second = fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD).orElseThrow();
    assertThat(second).isNotEqualTo(first);
    assertThat(canConnect(names.database(), names.appRole(), second)).isTrue();
    assertThat(canConnect(names.database(), names.appRole(), first)).isFalse();
    assertThat(
            count(
                fx.server(),
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                names.database()))
        .isEqualTo(1);
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true, false})
  void buildsTheSchemaOwnedByTheOwnerRoleWithRlsAndOneAdmin(boolean fastPath) throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    var db = fx.activities.database();

    db.createDatabase(input);
    if (fastPath) {
      // The copy of the template is current already: Flyway finds nothing to do.
      assertThat(TenantSchema.migrate(fx.tenantDatabase(input.tenantId()), names.ownerRole()))
          .isZero();
    }
    for (int i = 0; i < 2; i++) {
      db.migrateSchema(input);
      db.seedVendorConfigs(input);
      db.applyRls(input);
      db.createAdminUser(input);
    }

    DataSource tenantDb = fx.tenantDatabase(input.tenantId());
    assertThat(
            count(
                tenantDb,
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> ?",
                names.ownerRole()))
        .isZero();
    assertThat(
            count(
                tenantDb,
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN"
                    + " ('users', 'products', 'sellout_entries2', 'ecommerce_orders',"
                    + " 'vendor_configs', 'conversation_history')"))
        .isEqualTo(6);
    assertThat(TenantSchema.rlsApplied(tenantDb)).isTrue();
    assertThat(count(tenantDb, "SELECT count(*) FROM vendor_configs")).isEqualTo(3);
    assertThat(count(tenantDb, "SELECT count(*) FROM users WHERE role = 'admin'")).isEqualTo(1);
    // The set-password link is issued when the welcome mail goes out, not here.
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN)).isEmpty();
    assertThat(
            count(
                tenantDb,
                "SELECT count(*) FROM users WHERE email = ? AND set_password_token_hash IS NULL"
                    + " AND password_hash IS NULL",
                fx.tenant(input.tenantId()).adminEmail()))
        .isEqualTo(1);
    assertThat(
            count(
                tenantDb,
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
                    + " WHERE r.rolname = ?",
                TemplateDatabase.OWNER))
        .isZero();
    // The app role reads through RLS: with no user set it sees no row, and it is not refused.
    String password = fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD).orElseThrow();
    assertThat(
            count(
                TestPostgres.dataSource(names.database(), names.appRole(), password),
                "SELECT count(*) FROM users"))
        .isZero();
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true, false})
  void undoLeavesNoDatabaseNoRoleAndNoStagedSecretAndIsDoneTwice(boolean fastPath)
      throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    var db = fx.activities.database();
    db.createDatabase(input);
    db.migrateSchema(input);
    db.createAdminUser(input);
    String password = fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD).orElseThrow();
    try (Connection open = connect(names.database(), names.appRole(), password)) {
      // A session still open on the tenant database does not stop the drop.
      db.dropDatabase(input);
    }
    db.dropDatabase(input);

    assertThat(fx.databaseExists(names.database())).isFalse();
    assertThat(fx.roleExists(names.ownerRole())).isFalse();
    assertThat(fx.roleExists(names.appRole())).isFalse();
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD)).isEmpty();
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.SET_PASSWORD_TOKEN)).isEmpty();
    assertThat(fx.databaseExists(TemplateDatabase.NAME))
        .isEqualTo(fastPath || fx.databaseExists(TemplateDatabase.NAME));
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void undoOfATenantThatNeverGotADatabaseIsDone(boolean unused) {
    ActivitiesFixture fx = fixture(true);
    StepInput placed = fx.reserveAndPlace();
    StepInput unplaced = fx.reserve();

    fx.activities.database().dropDatabase(placed);
    fx.activities.database().dropDatabase(unplaced);
    fx.activities.database().dropDatabase(StepInput.of(UUID.randomUUID(), "nobody"));

    assertThat(fx.databaseExists(TenantDatabaseNames.of(placed.tenantId()).database())).isFalse();
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void anInjectedFaultCreatesNothing(boolean unused) {
    ActivitiesFixture fx = fixture(true);
    StepInput input = fx.reserveAndPlace();

    assertThatThrownBy(
            () ->
                fx.activities
                    .database()
                    .createDatabase(new StepInput(input.tenantId(), input.subdomain(), true)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("INJECTED_FAULT"));
    assertThat(fx.databaseExists(TenantDatabaseNames.of(input.tenantId()).database())).isFalse();
    assertThat(fx.roleExists(TenantDatabaseNames.of(input.tenantId()).appRole())).isFalse();
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void createWithoutAPlacementFailsNonRetryably(boolean unused) {
    ActivitiesFixture fx = fixture(true);
    StepInput input = fx.reserve();

    assertThatThrownBy(() -> fx.activities.database().createDatabase(input))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_STATE");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void aSchemaStepAfterTheDatabaseWasDroppedFailsNonRetryably(boolean unused) {
    ActivitiesFixture fx = fixture(true);
    StepInput input = fx.reserveAndPlace();
    fx.activities.database().createDatabase(input);
    fx.activities.database().dropDatabase(input);

    assertThatThrownBy(() -> fx.activities.database().migrateSchema(input))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_STATE");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void migratesADatabaseThatIsNoCurrentTemplateCopyEvenOnTheFastPath(boolean unused) {
    ActivitiesFixture fx = fixture(true);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    fx.activities.database().createDatabase(input);
    // Replace the copy by an empty database, as the plain path would have left it.
    TestPostgres.execute(
        fx.server(),
        "DROP DATABASE " + names.database() + " WITH (FORCE)",
        "CREATE DATABASE " + names.database() + " OWNER " + names.ownerRole());

    fx.activities.database().migrateSchema(input);

    assertThat(
            count(
                fx.tenantDatabase(input.tenantId()),
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'users'"
                    + " AND tableowner = ?",
                names.ownerRole()))
        .isEqualTo(1);
    fx.activities.database().dropDatabase(input);
  }

  static boolean canConnect(String db, String user, String password) {
    try (Connection c = connect(db, user, password)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  static Connection connect(String db, String user, String password) throws SQLException {
    return TestPostgres.dataSource(db, user, password).getConnection();
  }
}
