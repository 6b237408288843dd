package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TrialSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two trials in the one shared trial database behind the real router: a trial's token, a crafted
 * tenant_id in a body or query, and a request to the other trial's subdomain never reach the other
 * trial's rows; the trial API answers like a dedicated tenant's.
 */
class TrialIsolationTest {
  static RouterApp app;
  static TenantFixture fixture;
  static TenantFixture.TestTenant a;
  static TenantFixture.TestTenant b;
  static TenantFixture.TestTenant dedicated;
  static String tokenA;
  static String tokenB;
  static String tokenDedicated;

  @BeforeAll
  static void twoTrials() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
    a = fixture.createTrial(TenantFixture.subdomain("trial-a"));
    b = fixture.createTrial(TenantFixture.subdomain("trial-b"));
    dedicated = fixture.createFromTemplate(TenantFixture.subdomain("dedi"));
    tokenA = app.signInAdmin(a);
    tokenB = app.signInAdmin(b);
    tokenDedicated = app.signInAdmin(dedicated);
  }

  private static String host(TenantFixture.TestTenant t) {
    return t.subdomain() + ".localhost";
  }

  @Test
  void twoTrialsInOneDatabaseNeverSeeEachOthersRows() {
    RouterApp.Response created =
        app.post(host(a), "/api/products", tokenA, Map.of("sku", "T-1", "name", "Alpha trial"));
    assertThat(created.status()).isEqualTo(201);
    String productA = created.json().get("id").asString();
    // The same SKU in the other trial: keys are unique per tenant, not per shared database.
    assertThat(
            app.post(host(b), "/api/products", tokenB, Map.of("sku", "T-1", "name", "Beta trial"))
                .status())
        .isEqualTo(201);
    // ... but unique within one trial, as in a dedicated database.
    assertThat(
            app.post(host(a), "/api/products", tokenA, Map.of("sku", "T-1", "name", "Again"))
                .status())
        .isEqualTo(409);

    assertThat(names(app.get(host(a), "/api/products", tokenA)))
        .contains("Alpha trial")
        .doesNotContain("Beta trial", "Not frozen");
    assertThat(names(app.get(host(b), "/api/products", tokenB)))
        .contains("Beta trial")
        .doesNotContain("Alpha trial", "Raw");
    assertThat(app.get(host(b), "/api/products/" + productA, tokenB).status()).isEqualTo(404);
    RouterApp.Response me = app.get(host(a), "/api/me", tokenA);
    assertThat(me.json().get("email").asString()).isEqualTo(a.adminEmail());
    assertThat(me.json().get("tenant_id").asString()).isEqualTo(a.id().toString());
  }

  @Test
  void aTrialsTokenIsRefusedAtTheOtherTrialsSubdomain() {
    RouterApp.Response r = app.get(host(b), "/api/products", tokenA);
    assertThat(r.status()).isEqualTo(403);
    assertThat(app.get(host(a), "/api/products", tokenB).status()).isEqualTo(403);
  }

  @Test
  void aCraftedTenantIdInBodyOrQueryChangesNothing() {
    RouterApp.Response crafted =
        app.post(
            host(a),
            "/api/products",
            tokenA,
            Map.of("sku", "CRAFT-1", "name", "Crafted", "tenant_id", b.id().toString()));
    assertThat(crafted.status()).isIn(201, 400);
    // Whatever the answer, the row is not the other trial's.
    assertThat(names(app.get(host(b), "/api/products?tenant_id=" + b.id(), tokenB)))
        .doesNotContain("Crafted");
    assertThat(names(app.get(host(a), "/api/products?tenant_id=" + b.id(), tokenA)))
        .doesNotContain("Beta trial");
    RouterApp.Response conv =
        app.post(
            host(b),
            "/api/conversations",
            tokenB,
            Map.of("role", "user", "message", "for b only", "tenant_id", a.id().toString()));
    assertThat(conv.status()).isIn(201, 400);
    assertThat(app.get(host(a), "/api/conversations?tenant_id=" + b.id(), tokenA).body())
        .doesNotContain("for b only");
  }

  @Test
  void theSharedDatabaseHidesEveryRowFromASessionWithoutTheTenantSetting() throws SQLException {
    app.post(host(a), "/api/products", tokenA, Map.of("sku", "RAW-1", "name", "Raw"));
    try (Connection c =
            DriverManager.getConnection(
                TestPostgres.jdbcUrl(TrialSchema.DATABASE),
                TrialSchema.APP_ROLE,
                fixture.trialAppPassword());
        Statement st = c.createStatement()) {
      st.execute("SET app.user_role = 'admin'");
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM products")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
      st.execute("SET app.tenant_id = '" + b.id() + "'");
      try (ResultSet rs = st.executeQuery("SELECT name FROM products")) {
        List<String> seen = new ArrayList<>();
        while (rs.next()) {
          seen.add(rs.getString(1));
        }
        assertThat(seen).doesNotContain("Raw", "Alpha trial");
      }
      // Writing a row for another trial than the session's is refused by the policy.
      try {
        st.executeUpdate(
            "INSERT INTO products (sku, name, tenant_id) VALUES ('X-1', 'x', '" + a.id() + "')");
        org.assertj.core.api.Assertions.fail("a row for another trial was written");
      } catch (SQLException e) {
        assertThat(e.getSQLState()).isEqualTo("42501");
      }
    }
  }

  @Test
  void trialAndDedicatedTenantsAnswerAlike() {
    RouterApp.Response trial = app.get(host(a), "/api/vendor-configs", tokenA);
    RouterApp.Response dedi = app.get(host(dedicated), "/api/vendor-configs", tokenDedicated);
    assertThat(trial.status()).isEqualTo(200);
    assertThat(dedi.status()).isEqualTo(200);
    assertThat(trial.json().toString()).doesNotContain("tenant_id");
    assertThat(trial.json().size()).isEqualTo(dedi.json().size());
  }

  @Test
  void aFrozenTrialAnswersWrites503AndKeepsReading() {
    TenantFixture.TestTenant c = fixture.createTrial(TenantFixture.subdomain("trial-c"));
    String tokenC = app.signInAdmin(c);
    TrialSchema.freeze(TestPostgres.superuser(TrialSchema.DATABASE), c.id(), true);
    try {
      RouterApp.Response write =
          app.post(host(c), "/api/products", tokenC, Map.of("sku", "F-1", "name", "Frozen"));
      assertThat(write.status()).isEqualTo(503);
      assertThat(write.header("Retry-After")).isNotBlank();
      assertThat(app.get(host(c), "/api/products", tokenC).status()).isEqualTo(200);
      // Another trial writes on.
      assertThat(
              app.post(host(b), "/api/products", tokenB, Map.of("sku", "F-1", "name", "Not frozen"))
                  .status())
          .isEqualTo(201);
    } finally {
      TrialSchema.freeze(TestPostgres.superuser(TrialSchema.DATABASE), c.id(), false);
    }
    assertThat(
            app.post(host(c), "/api/products", tokenC, Map.of("sku", "F-1", "name", "Thawed"))
                .status())
        .isEqualTo(201);
  }

  private static List<String> names(RouterApp.Response r) {
    assertThat(r.status()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    JsonNode items = r.json().has("items") ? r.json().get("items") : r.json();
    for (JsonNode p : items) {
      names.add(p.get("name").asString());
    }
    return names;
  }
}
