package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The JSON members (snake_case, in order) and value shapes each tenant endpoint answers with: the
 * contract the portal and clients read, whatever type the rows are read into.
 */
class JsonMembersTest {
  static RouterApp app;
  static TenantFixture.TestTenant tenant;
  static String host;
  static String admin;

  @BeforeAll
  static void start() {
    app = SharedRouter.app();
    tenant = SharedRouter.fixture().createFromTemplate(TenantFixture.subdomain("jsonmembers"));
    host = tenant.subdomain() + ".localhost";
    admin = app.signInAdmin(tenant);
  }

  private static List<String> members(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.propertyNames().forEach(names::add);
    return names;
  }

  private static JsonNode ok(RouterApp.Response r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return r.json();
  }

  @Test
  void productsAnswerTheirColumns() {
    List<String> product =
        List.of("id", "sku", "name", "ean", "category", "created_at", "updated_at");
    JsonNode created =
        ok(
            app.post(
                host,
                "/api/products",
                admin,
                Map.of("sku", "JM-1", "name", "Json", "ean", "12345678")),
            201);
    assertThat(members(created)).containsExactlyElementsOf(product);
    assertThat(created.get("category").isNull()).isTrue();
    assertThat(created.get("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    String id = created.get("id").asString();
    assertThat(members(ok(app.get(host, "/api/products/" + id, admin), 200)))
        .containsExactlyElementsOf(product);
    assertThat(
            members(
                ok(
                    app.put(
                        host,
                        "/api/products/" + id,
                        admin,
                        Map.of("sku", "JM-1", "name", "Json 2")),
                    200)))
        .containsExactlyElementsOf(product);
    JsonNode page = ok(app.get(host, "/api/products?q=JM-", admin), 200);
    assertThat(members(page)).containsExactly("items", "limit", "offset", "total");
    assertThat(members(page.get("items").get(0))).containsExactlyElementsOf(product);
  }

  @Test
  void usersAndMeAnswerTheirColumns() {
    JsonNode me = ok(app.get(host, "/api/me", admin), 200);
    assertThat(members(me))
        .containsExactly(
            "id", "email", "display_name", "role", "created_at", "tenant_id", "subdomain");
    assertThat(me.get("tenant_id").asString()).isEqualTo(tenant.id().toString());
    JsonNode created =
        ok(app.post(host, "/api/users", admin, Map.of("email", "json@members.test")), 201);
    assertThat(members(created))
        .containsExactly(
            "id",
            "email",
            "display_name",
            "role",
            "set_password_token",
            "set_password_path",
            "set_password_expires_at");
    assertThat(created.get("display_name").isNull()).isTrue();
    JsonNode users = ok(app.get(host, "/api/users", admin), 200);
    assertThat(users.isArray()).isTrue();
    assertThat(members(users.get(0)))
        .containsExactly("id", "email", "display_name", "role", "created_at");
  }

  @Test
  void vendorConfigsSellOutAndOrdersAnswerTheirColumns() {
    List<String> config =
        List.of(
            "vendor_key",
            "display_name",
            "delimiter",
            "quote_char",
            "header_line",
            "period_format",
            "decimal_separator",
            "default_currency",
            "column_mapping");
    JsonNode saved =
        ok(
            app.put(
                host,
                "/api/vendor-configs/json-vendor",
                admin,
                Map.of(
                    "display_name",
                    "Json vendor",
                    "period_format",
                    "yyyy-MM",
                    "default_currency",
                    "EUR",
                    "column_mapping",
                    Map.of("Month", "period", "EAN", "ean", "Qty", "quantity", "Net", "revenue"))),
            200);
    assertThat(members(saved)).containsExactlyElementsOf(config);
    assertThat(saved.get("header_line").isInt()).isTrue();
    assertThat(saved.get("column_mapping").get("Qty").asString()).isEqualTo("quantity");
    JsonNode configs = ok(app.get(host, "/api/vendor-configs", admin), 200);
    List<String> stored = new ArrayList<>(config);
    stored.add("updated_at");
    for (JsonNode c : configs) {
      assertThat(members(c)).containsExactlyElementsOf(stored);
      assertThat(c.get("column_mapping").isObject()).isTrue();
    }

    JsonNode upload =
        ok(
            app.upload(
                host,
                "/api/sellout/uploads",
                admin,
                Map.of("vendor", "json-vendor"),
                "j.csv",
                "Month,EAN,Qty,Net\n2026-03,12345670,2,10.50\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            201);
    assertThat(members(upload)).containsExactly("batch_id", "vendor_key", "file_name", "rows");
    JsonNode entries = ok(app.get(host, "/api/sellout?vendor=json-vendor", admin), 200);
    JsonNode entry = entries.get("items").get(0);
    assertThat(members(entry))
        .containsExactly(
            "id",
            "batch_id",
            "uploaded_by",
            "vendor_key",
            "product_id",
            "ean",
            "sku",
            "product_name",
            "period_start",
            "period_end",
            "period_label",
            "quantity",
            "revenue",
            "currency",
            "store",
            "channel",
            "country",
            "created_at");
    assertThat(entry.get("period_start").asString()).isEqualTo("2026-03-01");
    assertThat(entry.get("quantity").isNumber()).isTrue();
    assertThat(entry.get("revenue").decimalValue()).isEqualByComparingTo("10.50");
    JsonNode batches = ok(app.get(host, "/api/sellout/uploads", admin), 200);
    assertThat(members(batches.get(0)))
        .containsExactly("id", "uploaded_by", "vendor_key", "file_name", "row_count", "created_at");
    assertThat(batches.get(0).get("row_count").isInt()).isTrue();

    new JdbcTemplate(TestPostgres.superuser(tenant.database()))
        .update(
            "INSERT INTO ecommerce_orders (order_number, quantity, amount, currency, ordered_at)"
                + " VALUES ('J-1', 1, 9.99, 'EUR', now())");
    JsonNode order = ok(app.get(host, "/api/orders", admin), 200).get("items").get(0);
    assertThat(members(order))
        .containsExactly(
            "id",
            "order_number",
            "product_id",
            "quantity",
            "amount",
            "currency",
            "ordered_at",
            "customer_country");
    assertThat(order.get("amount").decimalValue()).isEqualByComparingTo("9.99");
    assertThat(order.get("product_id").isNull()).isTrue();
  }
}
