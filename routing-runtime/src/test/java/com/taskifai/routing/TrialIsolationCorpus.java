package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import tools.jackson.databind.JsonNode;

/**
 * The trial isolation corpus: trial B gets rows of every kind through the router (an order straight
 * into its database, the router has no order endpoint), then trial A's token with B's ids goes to
 * every router endpoint (GET, PUT and DELETE of products by id, the same verbs on B's ids of
 * orders, users and conversations, every list with B's ids as parameters, a vendor config PUT, a
 * sell-out upload naming B) and a login with B's e-mail and password goes to A's subdomain. Each is
 * refused or sees and changes only A's rows; afterwards B's rows are all as they were.
 *
 * <p>One run makes rows named after {@code run}, so a test can run the corpus after each of its
 * operations on the same trials. The routing tests run it on one router; the launcher's
 * whole-platform tests run it on the dev platform's router.
 */
public final class TrialIsolationCorpus {
  private final RouterClient router;

  /** A trial as the corpus uses it: its ids, its admin's e-mail and password, a token of it. */
  public record Trial(UUID id, String subdomain, String adminEmail, String password, String token) {
    String host() {
      return RouterClient.host(subdomain);
    }
  }

  public TrialIsolationCorpus(RouterClient router) {
    this.router = router;
  }

  /**
   * Runs the corpus with {@code a} probing {@code b}; {@code bDatabase} is B's shared trial
   * database as a superuser (for B's order). Fails with the first probe that reached B.
   */
  public void run(Trial a, Trial b, DataSource bDatabase, String run) {
    long aSelloutBefore = total(router.get(a.host(), "/api/sellout", a.token()));
    String bOnlyName = "Beta only " + run;
    String bMember = "member-" + run + "@" + b.subdomain() + ".test";
    String bSecret = "secret of b " + run;
    String bOrder = "ORDER-OF-B-" + run;

    // B's rows of every kind.
    RouterClient.Response product =
        router.post(
            b.host(), "/api/products", b.token(), Map.of("sku", "B-" + run, "name", bOnlyName));
    assertThat(product.status()).as(product.body()).isEqualTo(201);
    String productB = product.json().get("id").asString();
    RouterClient.Response user =
        router.post(b.host(), "/api/users", b.token(), Map.of("email", bMember));
    assertThat(user.status()).as(user.body()).isEqualTo(201);
    String userB = user.json().get("id").asString();
    RouterClient.Response conv =
        router.post(
            b.host(), "/api/conversations", b.token(), Map.of("role", "user", "message", bSecret));
    assertThat(conv.status()).as(conv.body()).isEqualTo(201);
    String convB = conv.json().get("id").asString();
    String orderB = insertOrder(bDatabase, b.id(), productB, bOrder);
    RouterClient.Response uploadB =
        router.upload(
            b.host(),
            "/api/sellout/uploads",
            b.token(),
            Map.of("vendor", "vendor-a-retail-de"),
            "b.csv",
            RouterClient.sample("vendor-a-retail-de.csv"));
    assertThat(uploadB.status()).as(uploadB.body()).isEqualTo(201);
    String bVendors = router.get(b.host(), "/api/vendor-configs", b.token()).body();
    long bVendorBBefore =
        total(router.get(b.host(), "/api/sellout?vendor=vendor-b-online-eu", b.token()));
    // What of B an answer to A may not hold: B's content, and B's ids unless A sent them.
    List<String> bContent = List.of(b.id().toString(), bOnlyName, bMember, bSecret, bOrder);
    List<String> bTraces = new ArrayList<>(bContent);
    bTraces.addAll(List.of(productB, userB, orderB, convB));

    // Products by B's id: not found for A, whatever the verb.
    assertThat(router.get(a.host(), "/api/products/" + productB, a.token()).status())
        .isEqualTo(404);
    assertThat(
            router
                .put(
                    a.host(),
                    "/api/products/" + productB,
                    a.token(),
                    Map.of("sku", "B-" + run, "name", "Taken by A"))
                .status())
        .isEqualTo(404);
    assertThat(router.delete(a.host(), "/api/products/" + productB, a.token()).status())
        .isEqualTo(404);
    // Orders, users and conversations by B's ids: refused whatever the verb, nothing of B shown.
    for (String path :
        List.of("/api/orders/" + orderB, "/api/users/" + userB, "/api/conversations/" + convB)) {
      for (RouterClient.Response r :
          List.of(
              router.get(a.host(), path, a.token()),
              router.put(a.host(), path, a.token(), Map.of("name", "Taken by A")),
              router.delete(a.host(), path, a.token()))) {
        assertThat(r.status()).as(path).isBetween(400, 499);
        assertThat(r.body()).as(path).doesNotContain(bContent);
      }
    }
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
      RouterClient.Response r = router.get(a.host(), path + q, a.token());
      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(r.body()).as(path).doesNotContain(bTraces).doesNotContain(b.adminEmail());
    }
    assertThat(total(router.get(a.host(), "/api/sellout", a.token())))
        .as("A's sell-out after B's upload")
        .isEqualTo(aSelloutBefore);
    // A's token at B's subdomain: refused.
    for (String path : List.of("/api/products", "/api/users", "/api/orders")) {
      assertThat(router.get(b.host(), path, a.token()).status()).as(path).isEqualTo(403);
    }
    // Writes with B's ids or keys from A change only A's rows.
    assertThat(
            router
                .put(
                    a.host(),
                    "/api/vendor-configs/vendor-a-retail-de",
                    a.token(),
                    Map.of(
                        "display_name",
                        "Changed by A",
                        "delimiter",
                        ";",
                        "column_mapping",
                        Map.of("EAN", "ean")))
                .status())
        .isIn(200, 400);
    assertThat(router.get(b.host(), "/api/vendor-configs", b.token()).body()).isEqualTo(bVendors);
    RouterClient.Response uploadA =
        router.upload(
            a.host(),
            "/api/sellout/uploads",
            a.token(),
            Map.of("vendor", "vendor-b-online-eu", "tenant_id", b.id().toString()),
            "a.csv",
            RouterClient.sample("vendor-b-online-eu.csv"));
    assertThat(uploadA.status()).isIn(201, 400);
    assertThat(total(router.get(b.host(), "/api/sellout?vendor=vendor-b-online-eu", b.token())))
        .isEqualTo(bVendorBBefore);
    // A login with B's e-mail and password on A's subdomain: refused like an unknown user.
    RouterClient.Response login =
        router.post(
            a.host(),
            "/api/auth/login",
            null,
            Map.of("email", b.adminEmail(), "password", b.password()));
    assertThat(login.status()).isEqualTo(401);

    // B's rows are all still there, unchanged.
    RouterClient.Response bProduct = router.get(b.host(), "/api/products/" + productB, b.token());
    assertThat(bProduct.status()).as(bProduct.body()).isEqualTo(200);
    assertThat(bProduct.json().get("name").asString()).isEqualTo(bOnlyName);
    assertThat(router.get(b.host(), "/api/orders", b.token()).body()).contains(bOrder);
    assertThat(router.get(b.host(), "/api/conversations", b.token()).body()).contains(bSecret);
    assertThat(router.get(b.host(), "/api/users", b.token()).body()).contains(bMember);
    assertThat(total(router.get(b.host(), "/api/sellout", b.token()))).isPositive();
  }

  private static String insertOrder(
      DataSource bDatabase, UUID tenant, String product, String orderNumber) {
    try (Connection c = bDatabase.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ecommerce_orders (tenant_id, order_number, product_id, quantity,"
                    + " amount, currency, ordered_at)"
                    + " VALUES (?, ?, ?::uuid, 1, 9.99, 'EUR', now()) RETURNING id::text")) {
      ps.setObject(1, tenant);
      ps.setString(2, orderNumber);
      ps.setString(3, product);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("B's order", e);
    }
  }

  private static long total(RouterClient.Response r) {
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
