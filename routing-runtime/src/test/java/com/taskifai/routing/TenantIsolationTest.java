package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.routing.auth.TenantTokens;
import com.taskifai.routing.tenancy.RouterMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TenantIsolationTest {
  static RouterApp app;
  static TenantFixture fixture;
  static TenantFixture.TestTenant a;
  static TenantFixture.TestTenant b;
  static String tokenA;
  static String tokenB;

  @BeforeAll
  static void twoTenants() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
    a = fixture.create(TenantFixture.subdomain("alpha"));
    b = fixture.create(TenantFixture.subdomain("beta"));
    tokenA = app.signInAdmin(a);
    tokenB = app.signInAdmin(b);
  }

  private static String host(TenantFixture.TestTenant t) {
    return t.subdomain() + ".localhost";
  }

  @Test
  void twoTenantsNeverSeeEachOthersData() {
    RouterApp.Response created =
        app.post(host(a), "/api/products", tokenA, Map.of("sku", "A-1", "name", "Alpha cream"));
    assertThat(created.status()).isEqualTo(201);
    String productA = created.json().get("id").asString();
    assertThat(
            app.post(host(b), "/api/products", tokenB, Map.of("sku", "B-1", "name", "Beta gel"))
                .status())
        .isEqualTo(201);

    assertThat(skus(app.get(host(a), "/api/products", tokenA))).containsExactly("A-1");
    assertThat(skus(app.get(host(b), "/api/products", tokenB))).containsExactly("B-1");
    // The same id asked of the other tenant is simply not there.
    assertThat(app.get(host(b), "/api/products/" + productA, tokenB).status()).isEqualTo(404);
    // The same SKU may exist in both tenants: they are different databases.
    assertThat(
            app.post(host(b), "/api/products", tokenB, Map.of("sku", "A-1", "name", "Other"))
                .status())
        .isEqualTo(201);
    RouterApp.Response me = app.get(host(a), "/api/me", tokenA);
    assertThat(me.json().get("email").asString()).isEqualTo(a.adminEmail());
    assertThat(me.json().get("tenant_id").asString()).isEqualTo(a.id().toString());
  }

  @Test
  void aTokenOfOneTenantIsRefusedByAnotherAndCounted() {
    double before = app.bean(RouterMetrics.class).crossTenantAttempts();
    RouterApp.Response r = app.get(host(b), "/api/products", tokenA);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().get("error").asString()).isEqualTo("forbidden");
    assertThat(app.bean(RouterMetrics.class).crossTenantAttempts()).isEqualTo(before + 1);
    String prometheus = app.metrics();
    assertThat(prometheus).contains("taskifai_router_cross_tenant_attempts_total");
  }

  @Test
  void missingExpiredOrForgedTokensAreRefusedWith401() {
    assertThat(app.get(host(a), "/api/products", null).status()).isEqualTo(401);
    assertThat(app.get(host(a), "/api/products", "not.a.jwt").status()).isEqualTo(401);
    TenantTokens tokens = app.bean(TenantTokens.class);
    String expired =
        tokens.issue(a.id(), a.adminId(), "admin", Instant.now().minusSeconds(2 * 3600));
    RouterApp.Response r = app.get(host(a), "/api/products", expired);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.json().get("message").asString()).contains("expired");
    // Signed by someone else: same claims, other key.
    String[] parts = tokenA.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + "AAAA" + parts[2].substring(4);
    assertThat(app.get(host(a), "/api/products", forged).status()).isEqualTo(401);
  }

  @Test
  void usersSeeOnlyTheirOwnConversationsAndAdminsSeeAll() {
    String ana = createUser(a, "ana@alpha.test");
    String bo = createUser(a, "bo@alpha.test");
    assertThat(app.post(host(a), "/api/conversations", ana, Map.of("message", "ana asks")).status())
        .isEqualTo(201);
    var answer =
        app.post(
            host(a), "/api/conversations", ana, Map.of("role", "assistant", "message", "to ana"));
    // The same JSON members as ever: snake_case, the time as an ISO instant.
    assertThat(answer.json().propertyNames())
        .containsExactly("id", "user_id", "role", "message", "created_at");
    assertThat(answer.json().get("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    app.post(host(a), "/api/conversations", bo, Map.of("message", "bo asks"));

    assertThat(messages(app.get(host(a), "/api/conversations", ana)))
        .containsExactlyInAnyOrder("ana asks", "to ana");
    assertThat(messages(app.get(host(a), "/api/conversations", bo))).containsExactly("bo asks");
    assertThat(messages(app.get(host(a), "/api/conversations", tokenA)))
        .contains("ana asks", "to ana", "bo asks");
    var page = app.get(host(a), "/api/conversations?limit=1&offset=1", tokenA);
    assertThat(page.json().get("items").size()).isEqualTo(1);
    assertThat(page.json().get("total").asLong()).isEqualTo(3);
    var orders = app.get(host(a), "/api/orders", tokenA);
    assertThat(orders.status()).as(orders.body()).isEqualTo(200);
    assertThat(orders.json().get("total").asLong()).isZero();
    // A user reads products but may not write them.
    assertThat(
            app.post(host(a), "/api/products", ana, Map.of("sku", "U-1", "name", "nope")).status())
        .isEqualTo(403);
    assertThat(app.get(host(a), "/api/vendor-configs", ana).status()).isEqualTo(403);
    assertThat(app.get(host(a), "/api/vendor-configs", tokenA).json().size()).isEqualTo(3);
  }

  @Test
  void aSetPasswordTokenWorksOnceAndRepeatedFailuresLockTheAccount() {
    RouterApp.Response created =
        app.post(host(b), "/api/users", tokenB, Map.of("email", "Cy@Beta.test"));
    assertThat(created.status()).isEqualTo(201);
    String setToken = created.json().get("set_password_token").asString();
    String token = app.setPasswordAndSignIn(b.subdomain(), setToken, "cy@beta.test");
    assertThat(app.get(host(b), "/api/me", token).json().get("role").asString()).isEqualTo("user");

    RouterApp.Response again =
        app.post(
            host(b),
            "/api/auth/set-password",
            null,
            Map.of("token", setToken, "password", "another long password"));
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.json().get("message").asString()).contains("already used");
    assertThat(
            app.post(
                    host(b),
                    "/api/auth/set-password",
                    null,
                    Map.of("token", "x", "password", "short"))
                .status())
        .isEqualTo(400);

    for (int i = 0; i < 5; i++) {
      RouterApp.Response wrong =
          app.post(
              host(b),
              "/api/auth/login",
              null,
              Map.of("email", "cy@beta.test", "password", "wrong password " + i));
      assertThat(wrong.status()).isEqualTo(401);
    }
    RouterApp.Response locked =
        app.post(
            host(b),
            "/api/auth/login",
            null,
            Map.of("email", "cy@beta.test", "password", "correct horse battery " + b.subdomain()));
    assertThat(locked.status()).isEqualTo(429);
  }

  @Test
  void anExpiredSetPasswordLinkIsRefusedWithAClearMessage() {
    RouterApp.Response created =
        app.post(host(a), "/api/users", tokenA, Map.of("email", "late@alpha.test"));
    String setToken = created.json().get("set_password_token").asString();
    com.taskifai.registry.testing.TestPostgres.execute(
        com.taskifai.registry.testing.TestPostgres.superuser(a.database()),
        "UPDATE users SET set_password_token_expires_at = now() - interval '1 minute'"
            + " WHERE email = 'late@alpha.test'");
    RouterApp.Response r =
        app.post(
            host(a),
            "/api/auth/set-password",
            null,
            Map.of("token", setToken, "password", "a long enough password"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("message").asString()).contains("expired");
    RouterApp.Response page = app.get(host(a), "/set-password?token=%3Cscript%3E", null);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("&lt;script&gt;").doesNotContain("value=\"<script>");
  }

  @Test
  void badInputIsAClientErrorWithAJsonMessageNeverA500() {
    List<RouterApp.Response> answers = new ArrayList<>();
    answers.add(app.post(host(a), "/api/products", tokenA, "{not json"));
    answers.add(app.post(host(a), "/api/products", tokenA, Map.of("name", "no sku")));
    answers.add(app.get(host(a), "/api/products/not-a-uuid", tokenA));
    answers.add(app.get(host(a), "/api/products?limit=0", tokenA));
    answers.add(app.get(host(a), "/api/products?limit=abc", tokenA));
    answers.add(app.get(host(a), "/api/products/" + UUID.randomUUID(), tokenA));
    answers.add(app.get(host(a), "/api/no-such-thing", tokenA));
    answers.add(app.delete(host(a), "/api/me", tokenA));
    answers.add(app.post(host(a), "/api/auth/login", null, "[]"));
    answers.add(app.post(host(a), "/api/users", tokenA, Map.of("email", "not-an-email")));
    answers.add(
        app.post(host(a), "/api/conversations", tokenA, Map.of("role", "system", "message", "x")));
    answers.add(
        app.put(
            host(a),
            "/api/vendor-configs/vendor-x",
            tokenA,
            Map.of("display_name", "X", "period_format", "dd/MM", "column_mapping", Map.of())));
    // A column mapped to null (found by the fuzzer: it was a 500).
    Map<String, Object> nullMapping = new HashMap<>();
    nullMapping.put("Qty", null);
    answers.add(
        app.put(
            host(a),
            "/api/vendor-configs/vendor-x",
            tokenA,
            Map.of(
                "display_name", "X", "period_format", "yyyy-MM", "column_mapping", nullMapping)));
    for (RouterApp.Response r : answers) {
      assertThat(r.status()).as(r.body()).isBetween(400, 499);
      JsonNode body = r.json();
      assertThat(body.has("error") && body.has("message")).as(r.body()).isTrue();
      assertThat(body.get("error").asString()).isNotBlank();
      assertThat(body.get("message").asString()).isNotBlank();
    }
  }

  @Test
  void securityAutoConfigurationFromASharedClasspathStaysOutOfTheRouter() throws Exception {
    Class<?> chain = Class.forName("org.springframework.security.web.SecurityFilterChain");
    assertThat(app.context.getBeanNamesForType(chain)).isEmpty();
    assertThat(app.get("localhost", "/actuator/health", null).status()).isEqualTo(200);
  }

  @Test
  void perTenantMetricsAppearInPrometheus() {
    app.get(host(a), "/api/products", tokenA);
    app.bean(com.taskifai.routing.tenancy.TenantPools.class).measureDatabaseSizes();
    String metrics = app.metrics();
    assertThat(metrics)
        .contains("taskifai_router_requests_seconds_count{")
        .contains("tenant=\"" + a.id() + "\"")
        .contains("taskifai_tenant_database_size_bytes{")
        .contains("hikaricp_connections_active{")
        .contains("taskifai_tenant_active_users{");
  }

  private String createUser(TenantFixture.TestTenant t, String email) {
    RouterApp.Response r = app.post(host(t), "/api/users", tokenA, Map.of("email", email));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return app.setPasswordAndSignIn(
        t.subdomain(), r.json().get("set_password_token").asString(), email);
  }

  private static List<String> skus(RouterApp.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    r.json().get("items").forEach(n -> out.add(n.get("sku").asString()));
    return out;
  }

  private static List<String> messages(RouterApp.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    r.json().get("items").forEach(n -> out.add(n.get("message").asString()));
    return out;
  }
}
