package com.taskifai.tenantschema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TenantSchemaTest {
  private static final String APP_PASSWORD = "app-pw-for-tests";

  private String owner;
  private String app;
  private DataSource admin;
  private DataSource appDs;

  @BeforeEach
  void freshTenantDatabase() {
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    owner = "t_" + suffix + "_owner";
    app = "t_" + suffix + "_app";
    String db = TestPostgres.createDatabase("tenant");
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "CREATE ROLE " + owner + " NOLOGIN",
        "CREATE ROLE " + app + " LOGIN PASSWORD '" + APP_PASSWORD + "'",
        "REVOKE ALL ON DATABASE " + db + " FROM PUBLIC",
        "GRANT CONNECT ON DATABASE " + db + " TO " + app);
    admin = TestPostgres.superuser(db);
    appDs = TestPostgres.dataSource(db, app, APP_PASSWORD);
  }

  private void fullSetup() {
    TenantSchema.migrate(admin, owner);
    TenantSchema.grantAppRole(admin, owner, app);
    TenantSchema.seedVendorConfigs(admin, owner);
    TenantSchema.applyRls(admin, owner);
  }

  @Test
  void secondMigrationAppliesNothingAndOwnerRoleOwnsEveryTable() throws SQLException {
    assertThat(TenantSchema.migrate(admin, owner)).isGreaterThanOrEqualTo(1);
    assertThat(TenantSchema.migrate(admin, owner)).isZero();

    List<String> owners =
        strings(admin, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'");
    assertThat(owners).containsExactly(owner);
    assertThat(strings(admin, "SELECT current_user")).containsExactly("postgres");
  }

  @Test
  void seedingTwiceKeepsThreeVendorConfigs() throws SQLException {
    TenantSchema.migrate(admin, owner);
    assertThat(TenantSchema.seedVendorConfigs(admin, owner)).isEqualTo(3);
    TenantSchema.applyRls(admin, owner);
    assertThat(TenantSchema.seedVendorConfigs(admin, owner)).isEqualTo(3);
    assertThat(strings(admin, "SELECT vendor_key FROM vendor_configs ORDER BY 1"))
        .containsExactly("vendor-a-retail-de", "vendor-b-online-eu", "vendor-c-pharmacy");
    assertThat(
            strings(
                admin,
                "SELECT column_mapping->>'Umsatz (EUR)' FROM vendor_configs"
                    + " WHERE vendor_key = 'vendor-a-retail-de'"))
        .containsExactly("revenue");
  }

  @Test
  void rlsIsEnabledAndForcedOnEveryTenantTableAndApplyingTwiceIsSafe() throws SQLException {
    TenantSchema.migrate(admin, owner);
    assertThat(TenantSchema.rlsApplied(admin)).isFalse();
    TenantSchema.applyRls(admin, owner);
    TenantSchema.applyRls(admin, owner);
    assertThat(TenantSchema.rlsApplied(admin)).isTrue();
    assertThat(
            strings(
                admin,
                "SELECT relname FROM pg_class WHERE relname = ANY (ARRAY['users','products',"
                    + "'vendor_configs','upload_batches','sellout_entries2','ecommerce_orders',"
                    + "'conversation_history']) AND relforcerowsecurity"))
        .hasSize(7);
  }

  @Test
  void aUserSeesOnlyTheirOwnConversationsAndAnAdminSeesAll() throws SQLException {
    fullSetup();
    UUID adminId =
        TenantSchema.createAdminUser(
            admin, owner, "Boss@Example.com", "hash", Instant.now().plus(1, ChronoUnit.DAYS));
    UUID alice = insertUser("alice@example.com");
    UUID bob = insertUser("bob@example.com");
    TestPostgres.execute(
        admin,
        "INSERT INTO conversation_history (user_id, role, message) VALUES"
            + " ('"
            + alice
            + "', 'user', 'alice asks'),"
            + " ('"
            + alice
            + "', 'assistant', 'answer to alice'),"
            + " ('"
            + bob
            + "', 'user', 'bob asks')");

    assertThat(asApp(alice, "user", "SELECT message FROM conversation_history ORDER BY 1"))
        .containsExactly("alice asks", "answer to alice");
    assertThat(asApp(bob, "user", "SELECT message FROM conversation_history"))
        .containsExactly("bob asks");
    assertThat(asApp(adminId, "admin", "SELECT message FROM conversation_history")).hasSize(3);
    assertThat(asApp(null, null, "SELECT message FROM conversation_history")).isEmpty();
    // Everyone in the tenant reads the user list; nobody outside a request context does.
    assertThat(asApp(bob, "user", "SELECT email FROM users")).hasSize(3);
    assertThat(asApp(null, null, "SELECT email FROM users")).isEmpty();
  }

  @Test
  void aUserCannotWriteRowsInSomeoneElsesNameNorChangeProducts() throws SQLException {
    fullSetup();
    UUID alice = insertUser("alice@example.com");
    UUID bob = insertUser("bob@example.com");

    assertThatThrownBy(
            () ->
                asApp(
                    alice,
                    "user",
                    "INSERT INTO conversation_history (user_id, role, message) VALUES ('"
                        + bob
                        + "', 'user', 'forged') RETURNING id"))
        .hasMessageContaining("row-level security");
    assertThatThrownBy(
            () ->
                asApp(
                    alice,
                    "user",
                    "INSERT INTO products (sku, name) VALUES ('X1', 'Forged') RETURNING id"))
        .hasMessageContaining("row-level security");
    assertThat(
            asApp(
                alice,
                "user",
                "UPDATE users SET role = 'admin' WHERE id = '" + alice + "' RETURNING id"))
        .isEmpty();
  }

  @Test
  void forcedRlsHoldsEvenForTheOwnerRole() throws SQLException {
    fullSetup();
    insertUser("alice@example.com");
    try (Connection c = admin.getConnection();
        Statement st = c.createStatement()) {
      st.execute("SET ROLE " + owner);
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM users")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  @Test
  void creatingTheAdminTwiceKeepsTheFirstToken() throws SQLException {
    fullSetup();
    Instant expiry = Instant.now().plus(3, ChronoUnit.DAYS);
    UUID first = TenantSchema.createAdminUser(admin, owner, "admin@acme.test", "first", expiry);
    UUID second = TenantSchema.createAdminUser(admin, owner, "ADMIN@acme.test", "second", expiry);
    assertThat(second).isEqualTo(first);
    assertThat(strings(admin, "SELECT set_password_token_hash || '/' || role FROM users"))
        .containsExactly("first/admin");
    assertThat(strings(admin, "SELECT count(*) FROM users WHERE password_hash IS NULL"))
        .containsExactly("1");
  }

  @Test
  void theAppRoleCannotReadTheMigrationHistoryNorWriteCurrencies() {
    fullSetup();
    assertThatThrownBy(() -> asApp(null, null, "SELECT version FROM flyway_schema_history"))
        .hasMessageContaining("permission denied");
    assertThatThrownBy(
            () -> asApp(null, null, "INSERT INTO currency_codes VALUES ('ABC') RETURNING code"))
        .hasMessageContaining("permission denied");
  }

  @Test
  void unknownCurrenciesAreRefusedByTheDatabase() {
    fullSetup();
    UUID alice = insertUser("alice@example.com");
    TestPostgres.execute(
        admin,
        "SET app.user_role = 'admin'",
        "INSERT INTO upload_batches (id, uploaded_by, vendor_key, file_name, row_count) VALUES"
            + " ('00000000-0000-0000-0000-000000000001', '"
            + alice
            + "', 'vendor-b-online-eu', 'f.csv', 1)");
    assertThatThrownBy(
            () ->
                TestPostgres.execute(
                    admin,
                    "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, ean,"
                        + " period_start, period_end, period_label, quantity, revenue, currency)"
                        + " VALUES ('00000000-0000-0000-0000-000000000001', '"
                        + alice
                        + "', 'vendor-b-online-eu', '4006381333931', '2026-03-01', '2026-03-31',"
                        + " '2026-03', 1, 1.00, 'XXX')"))
        .hasStackTraceContaining("currency");
  }

  @Test
  void aDatabaseCopiedFromATemplateIsTakenOverByTheTenantsOwnOwnerRole() throws SQLException {
    fullSetup();
    String copy = "tenant_copy_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String copyOwner = owner.replace("_owner", "_cown");
    String copyApp = app.replace("_app", "_capp");
    String templateDb = strings(admin, "SELECT current_database()").get(0);
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "CREATE ROLE " + copyOwner + " NOLOGIN",
        "CREATE ROLE " + copyApp + " LOGIN PASSWORD '" + APP_PASSWORD + "'",
        "CREATE DATABASE " + copy + " TEMPLATE " + templateDb);
    DataSource copyAdmin = TestPostgres.superuser(copy);

    assertThat(TenantSchema.migrate(copyAdmin, copyOwner)).isZero();
    TenantSchema.grantAppRole(copyAdmin, copyOwner, copyApp);
    assertThat(
            strings(
                copyAdmin, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"))
        .containsExactly(copyOwner);
    assertThat(TenantSchema.rlsApplied(copyAdmin)).isTrue();
    UUID id =
        TenantSchema.createAdminUser(
            copyAdmin, copyOwner, "copy@example.com", "h", Instant.now().plusSeconds(60));
    appDs = TestPostgres.dataSource(copy, copyApp, APP_PASSWORD);
    assertThat(asApp(id, "admin", "SELECT email FROM users")).containsExactly("copy@example.com");
    assertThat(asApp(null, null, "SELECT email FROM users")).isEmpty();
  }

  @Test
  void setPasswordTokensAreLongRandomAndHashedWithSha256() {
    String a = SetPasswordTokens.newToken();
    assertThat(a).hasSize(43).matches("[A-Za-z0-9_-]+").isNotEqualTo(SetPasswordTokens.newToken());
    assertThat(SetPasswordTokens.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  private UUID insertUser(String email) {
    UUID id = UUID.randomUUID();
    // The superuser bypasses RLS, which is how a test plants rows for several users.
    TestPostgres.execute(
        admin, "INSERT INTO users (id, email) VALUES ('" + id + "', '" + email + "')");
    return id;
  }

  /** Runs a query as the app role in a transaction with the request context the router sets. */
  private List<String> asApp(UUID userId, String role, String sql) throws SQLException {
    try (Connection c = appDs.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        if (userId != null) {
          st.execute("SET LOCAL app.user_id = '" + userId + "'");
        }
        if (role != null) {
          st.execute("SET LOCAL app.user_role = '" + role + "'");
        }
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
        c.commit();
        return out;
      }
    }
  }

  private static List<String> strings(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }
}
