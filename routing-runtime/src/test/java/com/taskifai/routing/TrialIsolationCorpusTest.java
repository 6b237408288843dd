package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.tenantschema.TrialSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The isolation corpus, run after a schema change reached the shared trial database the way a
 * rollout brings it ({@link TrialSchema#migrate} with a test-only migration and its trial
 * counterpart): trial A's token with trial B's ids on every router endpoint, a sell-out upload, and
 * a login with B's e-mail on A's subdomain are each refused or see only A's rows, and B's rows are
 * unchanged afterwards.
 */
class TrialIsolationCorpusTest {
  static RouterApp app;
  static TenantFixture fixture;
  static TenantFixture.TestTenant a;
  static TenantFixture.TestTenant b;
  static String tokenA;
  static String tokenB;
  static String passwordB;

  @BeforeAll
  static void twoTrialsAfterARollout() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
    a = fixture.createTrial(TenantFixture.subdomain("corpus-a"));
    b = fixture.createTrial(TenantFixture.subdomain("corpus-b"));
    tokenA = app.signInAdmin(a);
    tokenB = app.signInAdmin(b);
    DataSource shared = TestPostgres.superuser(TrialSchema.DATABASE);
    TenantSchema.Migrated rollout =
        TrialSchema.migrate(
            shared, List.of("classpath:db/tenant", "classpath:db/tenant-corpus-test"), null);
    assertThat(rollout.toVersion()).isEqualTo("900");
  }

  private static String host(TenantFixture.TestTenant t) {
    return t.subdomain() + ".localhost";
  }

  @Test
  void trialAsTokenWithTrialBsIdsIsRefusedOrSeesNothingOfBOnEveryEndpoint() throws Exception {
    // B's rows of every kind.
    RouterApp.Response product =
        app.post(host(b), "/api/products", tokenB, Map.of("sku", "B-1", "name", "Beta only"));
    assertThat(product.status()).as(product.body()).isEqualTo(201);
    String productB = product.json().get("id").asString();
    RouterApp.Response user =
        app.post(host(b), "/api/users", tokenB, Map.of("email", "member@corpus-b.test"));
    assertThat(user.status()).as(user.body()).isEqualTo(201);
    String userB = user.json().get("id").asString();
    RouterApp.Response conv =
        app.post(
            host(b),
            "/api/conversations",
            tokenB,
            Map.of("role", "user", "message", "secret of b"));
    assertThat(conv.status()).as(conv.body()).isEqualTo(201);
    TestPostgres.execute(
        TestPostgres.superuser(TrialSchema.DATABASE),
        "INSERT INTO ecommerce_orders (tenant_id, order_number, product_id, quantity,"
            + " amount, currency, ordered_at) VALUES ('"
            + b.id()
            + "', 'ORDER-OF-B', '"
            + productB
            + "', 1, 9.99, 'EUR', now())",
        "INSERT INTO corpus_notes (tenant_id, note) VALUES ('" + b.id() + "', 'note of b')");
    RouterApp.Response uploadB =
        app.upload(
            host(b),
            "/api/sellout/uploads",
            tokenB,
            Map.of("vendor", "vendor-a-retail-de"),
            "b.csv",
            SelloutUploadTest.sample("vendor-a-retail-de.csv"));
    assertThat(uploadB.status()).as(uploadB.body()).isEqualTo(201);
    String bVendors = app.get(host(b), "/api/vendor-configs", tokenB).body();

    // Products by B's id: not found for A, whatever the verb.
    assertThat(app.get(host(a), "/api/products/" + productB, tokenA).status()).isEqualTo(404);
    assertThat(
            app.put(
                    host(a),
                    "/api/products/" + productB,
                    tokenA,
                    Map.of("sku", "B-1", "name", "Taken by A"))
                .status())
        .isEqualTo(404);
    assertThat(app.delete(host(a), "/api/products/" + productB, tokenA).status()).isEqualTo(404);
    // Lists with B's ids as parameters: only A's rows (none of B's).
    String q = "?tenant_id=" + b.id() + "&id=" + productB + "&user_id=" + userB;
    for (String path :
        List.of(
            "/api/products",
            "/api/orders",
            "/api/users",
            "/api/conversations",
            "/api/vendor-configs",
            "/api/sellout",
            "/api/sellout/uploads")) {
      RouterApp.Response r = app.get(host(a), path + q, tokenA);
      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(r.body())
          .as(path)
          .doesNotContain(productB, userB, b.id().toString())
          .doesNotContain("Beta only", "member@corpus-b.test", "secret of b", "ORDER-OF-B")
          .doesNotContain(b.adminEmail());
    }
    assertThat(total(app.get(host(a), "/api/sellout", tokenA))).isZero();
    // A's token at B's subdomain: refused.
    for (String path : List.of("/api/products", "/api/users", "/api/orders")) {
      assertThat(app.get(host(b), path, tokenA).status()).as(path).isEqualTo(403);
    }
    // Writes with B's ids or keys from A change only A's rows.
    assertThat(
            app.put(
                    host(a),
                    "/api/vendor-configs/vendor-a-retail-de",
                    tokenA,
                    Map.of(
                        "display_name",
                        "Changed by A",
                        "delimiter",
                        ";",
                        "column_mapping",
                        Map.of("EAN", "ean")))
                .status())
        .isIn(200, 400);
    assertThat(app.get(host(b), "/api/vendor-configs", tokenB).body()).isEqualTo(bVendors);
    RouterApp.Response uploadA =
        app.upload(
            host(a),
            "/api/sellout/uploads",
            tokenA,
            Map.of("vendor", "vendor-b-online-eu", "tenant_id", b.id().toString()),
            "a.csv",
            SelloutUploadTest.sample("vendor-b-online-eu.csv"));
    assertThat(uploadA.status()).isIn(201, 400);
    assertThat(total(app.get(host(b), "/api/sellout?vendor=vendor-b-online-eu", tokenB))).isZero();
    // A login with B's e-mail on A's subdomain: refused like an unknown user.
    RouterApp.Response login =
        app.post(
            host(a),
            "/api/auth/login",
            null,
            Map.of("email", b.adminEmail(), "password", "correct horse battery " + b.subdomain()));
    assertThat(login.status()).isEqualTo(401);

    // B's rows are all still there, unchanged.
    assertThat(app.get(host(b), "/api/products/" + productB, tokenB).json().get("name").asString())
        .isEqualTo("Beta only");
    assertThat(app.get(host(b), "/api/orders", tokenB).body()).contains("ORDER-OF-B");
    assertThat(app.get(host(b), "/api/conversations", tokenB).body()).contains("secret of b");
    assertThat(app.get(host(b), "/api/users", tokenB).body()).contains("member@corpus-b.test");
    assertThat(total(app.get(host(b), "/api/sellout", tokenB))).isPositive();
  }

  private static long total(RouterApp.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode total = r.json().get("total");
    if (total != null) {
      return total.asLong();
    }
    List<JsonNode> items = new ArrayList<>();
    r.json().forEach(items::add);
    return items.size();
  }
}
