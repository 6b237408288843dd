package com.taskifai.activities.database;

import static com.taskifai.activities.ActivitiesFixture.count;
import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.StepInput;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class AdminConnectionPoolsTest {

  private static String query(DataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static int sessionsOn(String database) {
    return count(
        TestPostgres.superuser("postgres"),
        "SELECT count(*) FROM pg_stat_activity WHERE datname = ?",
        database);
  }

  /** Backends end a moment after their client closes the socket. */
  private static int sessionsOnAfterAWhile(String database) throws InterruptedException {
    for (int i = 0; i < 100 && sessionsOn(database) > 0; i++) {
      Thread.sleep(50);
    }
    return sessionsOn(database);
  }

  @Test
  void aSessionReturnsAsTheAdminWhateverRoleItsLastUserSet() throws Exception {
    String database = TestPostgres.createDatabase("pools");
    String role = "pools_owner_" + Long.toHexString(System.nanoTime());
    TestPostgres.execute(TestPostgres.superuser(database), "CREATE ROLE " + role + " NOLOGIN");
    try (AdminConnectionPools pools = new AdminConnectionPools()) {
      DataSource ds =
          pools.dataSource(
              TestPostgres.jdbcUrl(database), "postgres", TestPostgres.superuserPassword());
      String pid;
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement()) {
        st.execute("SET ROLE " + role);
        st.execute("SET search_path TO pg_catalog");
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()::text")) {
          rs.next();
          pid = rs.getString(1);
        }
      }
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT current_user, current_setting('search_path'), pg_backend_pid()::text")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("postgres");
        assertThat(rs.getString(2)).isEqualTo("\"$user\", public");
        // The same backend again, not a new session per call.
        assertThat(rs.getString(3)).isEqualTo(pid);
      }
      assertThat(pools.size()).isEqualTo(1);
    }
  }

  @Test
  void evictEndsTheSessionsSoThatTheDatabaseCanBeDroppedWithoutForce() throws Exception {
    String database = TestPostgres.createDatabase("pools");
    try (AdminConnectionPools pools = new AdminConnectionPools()) {
      String url = TestPostgres.jdbcUrl(database);
      DataSource ds = pools.dataSource(url, "postgres", TestPostgres.superuserPassword());
      assertThat(query(ds, "SELECT current_database()")).isEqualTo(database);
      assertThat(sessionsOn(database)).isEqualTo(1);

      pools.evict(url);

      assertThat(pools.size()).isZero();
      assertThat(sessionsOnAfterAWhile(database)).isZero();
      TestPostgres.execute(TestPostgres.superuser("postgres"), "DROP DATABASE " + database);
    }
  }

  @Test
  void theDatabaseStepsLeaveNoAdminSessionOnTheTenantDatabase() throws Exception {
    ActivitiesFixture fx =
        new ActivitiesFixture(ActivitiesConfig.defaults().withTemplateFastPath(true));
    StepInput input = fx.reserveAndPlace();
    TenantDatabaseNames names = TenantDatabaseNames.of(input.tenantId());
    var db = fx.activities.database();

    db.createDatabase(input);
    db.migrateSchema(input);
    db.seedVendorConfigs(input);
    assertThat(sessionsOn(names.database())).isPositive();
    db.applyRls(input);
    db.createAdminUser(input);

    assertThat(sessionsOnAfterAWhile(names.database())).isZero();
    fx.activities.close();
  }
}
