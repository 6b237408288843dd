package com.taskifai.activities.database;

import static com.taskifai.activities.ActivitiesFixture.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantDatabaseActivitiesTest {

  private static ActivitiesFixture fixture(boolean templateFastPath) {
    return new ActivitiesFixture(
        ActivitiesConfig.defaults().withTemplateFastPath(templateFastPath));
  }

  /**
   * As {@link #fixture}, for a test whose step meets a server or database that cannot answer: the
   * step fails the same way after 1 s instead of the default 10 s wait for an admin session.
   */
  private static ActivitiesFixture fixtureFailingFast() {
    return new ActivitiesFixture(
        ActivitiesConfig.defaults()
            .withTemplateFastPath(true)
            .withAdminConnectionTimeout(java.time.Duration.ofSeconds(1)));
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
    // The server checks the password: a wrong one, or none, is refused.
    assertThat(canConnect(names.database(), names.appRole(), password + "-wrong")).isFalse();
    assertThat(canConnect(names.database(), names.appRole(), null)).isFalse();
    // A login role that is not the tenant's is only a member of PUBLIC, which has no CONNECT.
    String stranger = "stranger_" + UUID.randomUUID().toString().substring(0, 8);
    TestPostgres.execute(fx.server(), "CREATE ROLE " + stranger + " LOGIN PASSWORD 'pw'");
    assertThatThrownBy(() -> connect(names.database(), stranger, "pw"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("permission denied");
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true, false})
  void aSecondCreateFindsTheDatabaseAndKeepsTheStagedPassword(boolean fastPath) throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    fx.activities.database().createDatabase(input);
    String first = fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD).orElseThrow();

    fx.activities.database().createDatabase(input);

    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD)).contains(first);
    assertThat(canConnect(names.database(), names.appRole(), first)).isTrue();
    assertThat(
            count(
                fx.server(),
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                names.database()))
        .isEqualTo(1);
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true, false})
  void concurrentCreatesEndWithOneDatabaseAndAStoredPasswordThatWorks(boolean fastPath)
      throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CyclicBarrier together = new CyclicBarrier(2);
    try {
      List<Future<?>> attempts = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        attempts.add(
            pool.submit(
                () -> {
                  together.await();
                  fx.activities.database().createDatabase(input);
                  return null;
                }));
      }
      for (Future<?> attempt : attempts) {
        attempt.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    fx.activities.registry().storeCredentials(input);
    // A late attempt (an old one that timed out) after store_credentials changes nothing.
    fx.activities.database().createDatabase(input);

    assertThat(
            count(
                fx.server(),
                "SELECT count(*) FROM pg_database WHERE datname = ?",
                names.database()))
        .isEqualTo(1);
    TenantCredentials stored = TenantCredentials.decrypt(fx.cipher, fx.tenant(input.tenantId()));
    assertThat(stored.username()).isEqualTo(names.appRole());
    // The server checks app-role passwords (SCRAM): the stored one is the role's.
    assertThat(canConnect(names.database(), names.appRole(), stored.password())).isTrue();
    assertThat(canConnect(names.database(), names.appRole(), "not-" + stored.password())).isFalse();
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void aCreateAfterTheUndoIsRefusedAndCreatesNothing(boolean fastPath) {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    fx.activities.database().createDatabase(input);
    fx.activities.database().dropDatabase(input);

    assertThatThrownBy(() -> fx.activities.database().createDatabase(input))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("INVALID_STATE");
              assertThat(f.isNonRetryable()).isTrue();
            });
    assertThat(fx.databaseExists(names.database())).isFalse();
    assertThat(fx.roleExists(names.appRole())).isFalse();
    assertThat(fx.secrets.get(input.tenantId(), StagedSecrets.APP_PASSWORD)).isEmpty();
  }

  @ParameterizedTest(name = "template fast path {0}")
  @ValueSource(booleans = {true})
  void theUndoWaitsForARunningCreateAndLeavesNoDatabase(boolean fastPath) throws Exception {
    ActivitiesFixture fx = fixture(fastPath);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Connection hold = fx.platform.owner().getConnection()) {
      // Hold the fence the way a slow create would, so the real create waits in the middle.
      hold.setAutoCommit(false);
      try (var ps =
          hold.prepareStatement(
              "INSERT INTO tenant_database_fences (tenant_id) VALUES (?);"
                  + " SELECT 1 FROM tenant_database_fences WHERE tenant_id = ? FOR UPDATE")) {
        ps.setObject(1, input.tenantId());
        ps.setObject(2, input.tenantId());
        ps.execute();
      }
      Future<?> create = pool.submit(() -> fx.activities.database().createDatabase(input));
      Future<?> undo = pool.submit(() -> fx.activities.database().dropDatabase(input));
      Thread.sleep(300);
      assertThat(create.isDone()).isFalse();
      hold.commit();
      Throwable createFailure = null;
      try {
        create.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        createFailure = e.getCause();
      }
      undo.get(60, TimeUnit.SECONDS);
      // Whichever got the fence first, no database is left once the undo has run.
      assertThat(fx.databaseExists(names.database())).isFalse();
      assertThat(fx.roleExists(names.appRole())).isFalse();
      if (createFailure != null) {
        assertThat(createFailure).isInstanceOf(ApplicationFailure.class);
      }
    } finally {
      pool.shutdownNow();
    }
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
    ActivitiesFixture fx = fixtureFailingFast();
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

  /**
   * Chaos seed 2026: an offboarding ran while the server holding a moved tenant's old copy was
   * stopped for seconds; the step skipped it at once and the copy stayed as an orphan.
   */
  @Test
  void offboardingRetriesWhileAnotherServerDoesNotAnswerAndSkipsItOnlyOutsideThoseAttempts()
      throws Exception {
    ActivitiesFixture fx = fixtureFailingFast();
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    new com.taskifai.registry.DatabaseServers(fx.platform.platform())
        .upsert(
            fx.cipher,
            "stopped-2",
            "local",
            "jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres?connectTimeout=1",
            "postgres",
            TestPostgres.superuserPassword(),
            10);
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    fx.activities.database().createDatabase(input);
    fx.tenants.setStatus(input.tenantId(), com.taskifai.registry.TenantStatus.DELETING);

    io.temporal.testing.TestActivityEnvironment env =
        io.temporal.testing.TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(fx.activities.database());
      com.taskifai.workflows.ports.TenantDatabaseActivities step =
          env.newActivityStub(
              com.taskifai.workflows.ports.TenantDatabaseActivities.class,
              io.temporal.activity.ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(java.time.Duration.ofSeconds(60))
                  .setRetryOptions(
                      io.temporal.common.RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());

      // The first attempt drops the live database, then fails retryably for the stopped server.
      assertThatThrownBy(() -> step.dropDatabase(input))
          .rootCause()
          .isInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("[stopped-2] did not answer")
          .satisfies(
              f -> {
                assertThat(((ApplicationFailure) f).getType()).isEqualTo("UNAVAILABLE");
                assertThat(((ApplicationFailure) f).isNonRetryable()).isFalse();
              });
      assertThat(fx.databaseExists(names.database())).isFalse();
    } finally {
      env.close();
    }
    // Past those attempts (here: a direct call) the stopped server is left to the reconciler.
    fx.activities.database().dropDatabase(input);
    assertThat(fx.roleExists(names.ownerRole())).isFalse();
  }
}
