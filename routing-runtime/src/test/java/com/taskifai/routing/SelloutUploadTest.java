package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SelloutUploadTest {
  static RouterApp app;
  static TenantFixture.TestTenant tenant;
  static String host;
  static String admin;

  @BeforeAll
  static void start() {
    TenantFixture fixture = SharedRouter.fixture();
    app = SharedRouter.app();
    tenant = fixture.createFromTemplate(TenantFixture.subdomain("sellout"));
    host = tenant.subdomain() + ".localhost";
    admin = app.signInAdmin(tenant);
  }

  static byte[] sample(String name) {
    return RouterClient.sample(name);
  }

  /** Data rows of a sample: non-blank lines after the header (and the preamble). */
  static int dataRows(String name, int linesBeforeHeader) {
    String[] lines = new String(sample(name), StandardCharsets.UTF_8).split("\n");
    int n = 0;
    for (int i = linesBeforeHeader + 1; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        n++;
      }
    }
    return n;
  }

  private String user(String email) {
    RouterApp.Response r = app.post(host, "/api/users", admin, Map.of("email", email));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return app.setPasswordAndSignIn(
        tenant.subdomain(), r.json().get("set_password_token").asString(), email);
  }

  private RouterApp.Response upload(String token, String vendor, String name, byte[] file) {
    return app.upload(host, "/api/sellout/uploads", token, Map.of("vendor", vendor), name, file);
  }

  private long total(String token, String query) {
    RouterApp.Response r = app.get(host, "/api/sellout" + query, token);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().get("total").asLong();
  }

  @Test
  void theThreeSampleFilesImportWithTheSeededVendorConfigs() {
    String token = user("importer@sellout.test");
    RouterApp.Response a =
        upload(token, "vendor-a-retail-de", "a.csv", sample("vendor-a-retail-de.csv"));
    RouterApp.Response b =
        upload(token, "vendor-b-online-eu", "b.csv", sample("vendor-b-online-eu.csv"));
    RouterApp.Response c =
        upload(token, "vendor-c-pharmacy", "c.tsv", sample("vendor-c-pharmacy.tsv"));
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    assertThat(b.status()).as(b.body()).isEqualTo(201);
    assertThat(c.status()).as(c.body()).isEqualTo(201);
    assertThat(a.json().get("rows").asInt()).isEqualTo(dataRows("vendor-a-retail-de.csv", 0));
    assertThat(b.json().get("rows").asInt()).isEqualTo(dataRows("vendor-b-online-eu.csv", 0));
    assertThat(c.json().get("rows").asInt()).isEqualTo(dataRows("vendor-c-pharmacy.tsv", 2));

    // Vendor A: decimal comma, German dates; vendor C: ISO weeks and returns.
    JsonNode first =
        app.get(host, "/api/sellout?vendor=vendor-a-retail-de&limit=500", token)
            .json()
            .get("items");
    JsonNode berlin = null;
    for (JsonNode n : first) {
      if (n.get("store").asString().equals("Berlin Mitte")
          && n.get("period_start").asString().startsWith("2026-03-01")
          && n.get("ean").asString().equals("4006381333955")
          && n.get("quantity").decimalValue().intValue() == 26) {
        berlin = n;
      }
    }
    assertThat(berlin).isNotNull();
    assertThat(berlin.get("revenue").decimalValue()).isEqualByComparingTo("517.40");
    assertThat(berlin.get("currency").asString()).isEqualTo("EUR");
    assertThat(total(token, "?vendor=vendor-c-pharmacy&period=2026-W07")).isPositive();
    JsonNode weeks =
        app.get(host, "/api/sellout?vendor=vendor-c-pharmacy&limit=500", token).json().get("items");
    boolean sawReturn = false;
    for (JsonNode n : weeks) {
      assertThat(n.get("period_label").asString()).matches("2026-W\\d\\d");
      sawReturn |= n.get("quantity").decimalValue().signum() < 0;
    }
    assertThat(sawReturn).isTrue();
    assertThat(total(token, "?vendor=vendor-b-online-eu&period=2026-06")).isPositive();
  }

  @Test
  void aFileWithBadRowsIsRefusedWholeNamingEachBadLine() {
    String token = user("careless@sellout.test");
    long before = total(admin, "");
    RouterApp.Response r =
        upload(token, "vendor-b-online-eu", "errors.csv", sample("vendor-b-with-errors.csv"));
    assertThat(r.status()).as(r.body()).isEqualTo(422);
    List<Integer> lines = new ArrayList<>();
    r.json().get("details").forEach(d -> lines.add(d.get("line").asInt()));
    assertThat(lines).containsExactly(3, 4, 5, 6);
    assertThat(r.json().get("message").asString()).contains("[3, 4, 5, 6]");
    assertThat(total(admin, "")).isEqualTo(before);
    assertThat(app.get(host, "/api/sellout/uploads", token).json().size()).isZero();
  }

  @Test
  void wrongVendorsAndOversizedFilesAreClearClientErrors() {
    String token = user("misc@sellout.test");
    RouterApp.Response wrongShape =
        upload(token, "vendor-a-retail-de", "b.csv", sample("vendor-b-online-eu.csv"));
    assertThat(wrongShape.status()).isEqualTo(400);
    assertThat(wrongShape.json().get("message").asString()).contains("header lacks");
    RouterApp.Response unknown =
        upload(token, "vendor-zz", "b.csv", sample("vendor-b-online-eu.csv"));
    assertThat(unknown.status()).isEqualTo(400);
    byte[] big = new byte[300 * 1024];
    java.util.Arrays.fill(big, (byte) 'x');
    RouterApp.Response tooBig = upload(token, "vendor-b-online-eu", "big.csv", big);
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.json().get("error").asString()).isEqualTo("too_large");
  }

  @Test
  void aUserSeesTheRowsOfTheirOwnUploadsAndAnAdminSeesAll() {
    String mine = user("mine@sellout.test");
    String theirs = user("theirs@sellout.test");
    assertThat(
            upload(mine, "vendor-b-online-eu", "b.csv", sample("vendor-b-online-eu.csv")).status())
        .isEqualTo(201);
    int rows = dataRows("vendor-b-online-eu.csv", 0);
    assertThat(total(mine, "")).isEqualTo(rows);
    assertThat(total(theirs, "")).isZero();
    assertThat(total(admin, "")).isGreaterThanOrEqualTo(rows);
  }
}
