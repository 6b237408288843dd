package com.taskifai.tenantschema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared trial database's schema changes: a migration and the policies it needs commit together
 * or not at all, so no committed moment leaves a tenant table without the restrictive isolation
 * policy.
 */
class TrialSchemaTest {
  private static final String APP_PASSWORD = "trial-app-pw-for-tests";
  private static final List<String> BROKEN =
      List.of("classpath:db/tenant", "classpath:db/trial-broken");

  private DataSource admin;
  private DataSource app;
  private final UUID trialA = UUID.randomUUID();
  private final UUID trialB = UUID.randomUUID();

  @BeforeAll
  static void sharedRoles() {
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
            + TrialSchema.OWNER_ROLE
            + "') THEN CREATE ROLE "
            + TrialSchema.OWNER_ROLE
            + " NOLOGIN; END IF; IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
            + TrialSchema.APP_ROLE
            + "') THEN CREATE ROLE "
            + TrialSchema.APP_ROLE
            + " LOGIN; END IF; END $$",
        "ALTER ROLE " + TrialSchema.APP_ROLE + " PASSWORD '" + APP_PASSWORD + "'");
  }

  @BeforeEach
  void sharedTrialDatabaseWithTwoTrials() {
    String db = TestPostgres.createDatabase("trials");
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "ALTER DATABASE " + db + " OWNER TO " + TrialSchema.OWNER_ROLE,
        "GRANT CONNECT ON DATABASE " + db + " TO " + TrialSchema.APP_ROLE);
    admin = TestPostgres.superuser(db);
    app = TestPostgres.dataSource(db, TrialSchema.APP_ROLE, APP_PASSWORD);
    TrialSchema.prepare(admin, TenantSchema.DEFAULT_LOCATIONS);
    TrialSchema.registerTenant(admin, trialA, "a@example.com");
    TrialSchema.registerTenant(admin, trialB, "b@example.com");
  }

  @Test
  void aBrokenTrialSchemaChangeFailsAsAWholeAndIsolationStaysOn() throws SQLException {
    String before = TenantSchema.currentVersion(admin);

    assertThatThrownBy(() -> TrialSchema.migrate(admin, BROKEN, null))
        .hasMessageContaining("notes");

    // Nothing of the change was committed: no table, no history row ...
    assertThat(strings(admin, "SELECT to_regclass('public.notes')::text")).containsOnlyNulls();
    assertThat(TenantSchema.currentVersion(admin)).isEqualTo(before);
    // ... and every tenant table still has its restrictive policy and forced RLS.
    try (Connection c = admin.getConnection()) {
      assertThat(TrialSchema.isolationGaps(c)).isEmpty();
    }
    assertThat(policyCount("trial_isolation")).isEqualTo(TenantSchema.TENANT_TABLES.size());
    // The app role still sees only the routed trial's users.
    assertThat(asTrial(trialA, "SELECT email FROM users")).containsExactly("a@example.com");
    assertThat(asTrial(trialB, "SELECT email FROM users")).containsExactly("b@example.com");
    assertThat(asTrial(null, "SELECT email FROM users")).isEmpty();
  }

  @Test
  void migratingAgainChangesNothingAndKeepsTheTenantVersion() throws SQLException {
    TenantSchema.Migrated again = TrialSchema.migrate(admin, TenantSchema.DEFAULT_LOCATIONS, null);

    assertThat(again.applied()).isZero();
    assertThat(again.fromVersion()).isEqualTo("1");
    assertThat(again.toVersion()).isEqualTo("1");
    try (Connection c = admin.getConnection()) {
      assertThat(TrialSchema.isolationGaps(c)).isEmpty();
    }
  }

  @Test
  void aDroppedIsolationPolicyIsAGapAndPreparingPutsItBack() throws SQLException {
    TestPostgres.execute(admin, "DROP POLICY trial_isolation ON products");
    try (Connection c = app.getConnection()) {
      // The app role may read the catalogue: the router checks with its own connection.
      assertThat(TrialSchema.isolationGaps(c))
          .containsExactly("products: no restrictive trial_isolation policy");
    }

    TrialSchema.prepare(admin, TenantSchema.DEFAULT_LOCATIONS);

    try (Connection c = app.getConnection()) {
      assertThat(TrialSchema.isolationGaps(c)).isEmpty();
    }
  }

  @Test
  void aTableWithoutTenantIdOrForcedRowLevelSecurityIsAGap() throws SQLException {
    TestPostgres.execute(
        admin,
        "CREATE TABLE notes (id bigserial PRIMARY KEY, body text)",
        "ALTER TABLE vendor_configs NO FORCE ROW LEVEL SECURITY");
    try (Connection c = admin.getConnection()) {
      assertThat(TrialSchema.isolationGaps(c))
          .containsExactly(
              "notes: no tenant_id column",
              "notes: row level security not enabled and forced",
              "notes: no restrictive trial_isolation policy",
              "vendor_configs: row level security not enabled and forced");
    }
  }

  @Test
  void aTenantTargetBringsItsTrialCounterpartsAlong() {
    assertThat(TrialSchema.flywayTarget(admin, TenantSchema.DEFAULT_LOCATIONS, "1"))
        .isEqualTo("1.1");
    assertThat(TrialSchema.flywayTarget(admin, BROKEN, "1")).isEqualTo("1.1");
    assertThat(TrialSchema.flywayTarget(admin, BROKEN, null)).isNull();
  }

  private int policyCount(String name) throws SQLException {
    return Integer.parseInt(
        strings(admin, "SELECT count(*) FROM pg_policies WHERE policyname = '" + name + "'")
            .get(0));
  }

  private List<String> asTrial(UUID tenant, String sql) throws SQLException {
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL app.user_role = 'admin'");
        if (tenant != null) {
          st.execute("SET LOCAL app.tenant_id = '" + tenant + "'");
        }
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
        c.rollback();
        return out;
      }
    }
  }

  private static List<String> strings(DataSource ds, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
