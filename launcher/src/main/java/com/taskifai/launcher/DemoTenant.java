package com.taskifai.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.launcher.bench.VerificationLink;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dev platform's {@code demo} tenant: provisioned through the admin API and the normal
 * provisioning workflow (the verification link and the welcome mail are followed from the dev
 * outbox), then loaded with sample data through the tenant API: products, the sample vendors'
 * sell-out files (uploaded like a user does; the file with bad rows is refused, naming them),
 * conversations, and orders (the tenant API has no endpoint that writes orders, so those go in with
 * SQL). A demo tenant that exists and is ACTIVE is kept; {@code --reset-demo} offboards it and
 * builds a new one.
 */
final class DemoTenant {
  private static final Logger log = LoggerFactory.getLogger(DemoTenant.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String SUBDOMAIN = "demo";
  static final String EMAIL = "demo@taskifai.localhost";
  static final String PASSWORD_SECRET = "demo_password";
  static final Duration WAIT = Duration.ofMinutes(3);
  private static final Pattern VERIFY_LINK =
      Pattern.compile("https?://[^\\s\"<>]*/verify-email\\?token=[A-Za-z0-9._~%-]+");
  private static final Pattern SET_PASSWORD_LINK =
      Pattern.compile("https?://[^\\s\"<>]*/set-password\\?token=([A-Za-z0-9._~%-]+)");

  /** A sample file, the vendor config it is read with, and whether it is meant to be refused. */
  record SampleFile(String name, String vendor, boolean hasBadRows) {}

  static final List<SampleFile> SAMPLES =
      List.of(
          new SampleFile("vendor-a-retail-de.csv", "vendor-a-retail-de", false),
          new SampleFile("vendor-b-online-eu.csv", "vendor-b-online-eu", false),
          new SampleFile("vendor-c-pharmacy.tsv", "vendor-c-pharmacy", false),
          new SampleFile("vendor-b-with-errors.csv", "vendor-b-online-eu", true));

  /** The sample products (their EANs are those of the sample files). */
  static final List<String[]> PRODUCTS =
      List.of(
          new String[] {"HS-30", "Hydra Serum 30ml", "4006381333931", "Serums"},
          new String[] {"NC-50", "Night Cream 50ml", "4006381333948", "Creams"},
          new String[] {"CF-150", "Cleansing Foam 150ml", "4006381333955", "Cleansing"},
          new String[] {"EG-15", "Eye Gel 15ml", "4006381333962", "Serums"},
          new String[] {"BL-200", "Body Lotion 200ml", "4006381333979", "Body"},
          new String[] {"LB-4", "Lip Balm 4g", "4006381333986", "Lips"});

  /** What the demo holds and how to sign in; {@code notes} tells what the load found. */
  record Outcome(UUID tenantId, boolean created, String email, String password, String notes) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final String subdomain;
  private final String email;
  private final String companyName;
  private final String adminUrl;
  private final String routerUrl;
  private final String baseDomain;
  private final String adminEmail;
  private final String adminPassword;
  private final String adminTotp;
  private final TenantRegistry registry;
  private final String clusterUrl;
  private final String clusterUser;
  private final String clusterPassword;

  DemoTenant(
      String subdomain,
      String email,
      String companyName,
      String adminUrl,
      String routerUrl,
      String baseDomain,
      String adminEmail,
      String adminPassword,
      String adminTotp,
      TenantRegistry registry,
      String clusterUrl,
      String clusterUser,
      String clusterPassword) {
    this.subdomain = subdomain;
    this.email = email;
    this.companyName = companyName;
    this.adminUrl = adminUrl;
    this.routerUrl = routerUrl;
    this.baseDomain = baseDomain;
    this.adminEmail = adminEmail;
    this.adminPassword = adminPassword;
    this.adminTotp = adminTotp;
    this.registry = registry;
    this.clusterUrl = clusterUrl;
    this.clusterUser = clusterUser;
    this.clusterPassword = clusterPassword;
  }

  /**
   * Makes sure the demo tenant exists, ACTIVE and loaded: keeps one that is, else (or when {@code
   * reset}) offboards what holds the name and provisions a new one.
   */
  Outcome ensure(String password, boolean reset) throws Exception {
    Optional<Tenant> existing = registry.findLiveBySubdomain(subdomain);
    if (existing.isPresent()
        && !reset
        && existing.get().status() == TenantStatus.ACTIVE
        && signIn(password).isPresent()) {
      return new Outcome(existing.get().tenantId(), false, email, password, "kept");
    }
    System.out.println("taskifai dev: building the demo tenant (" + subdomain + ") ...");
    String token = adminLogin();
    if (existing.isPresent()) {
      log.info(
          "demo tenant: removing {} ({}) to build it again",
          existing.get().tenantId(),
          existing.get().status());
      offboard(token, existing.get());
    }
    UUID id = provision(token);
    setPassword(token, password);
    String userToken =
        signIn(password)
            .orElseThrow(() -> new IllegalStateException("the demo user cannot sign in"));
    String notes = load(userToken, id);
    return new Outcome(id, true, email, password, notes);
  }

  /**
   * Provisions the tenant through the admin API and the workflow, verifies it, sets its admin's
   * password and signs in (no sample data): for tests that need real tenants.
   *
   * @return the tenant id and the admin's tenant token
   */
  Map.Entry<UUID, String> provisionAndSignIn(String adminToken, String password) throws Exception {
    String token = adminToken == null ? adminLogin() : adminToken;
    UUID id = provision(token);
    setPassword(token, password);
    return Map.entry(
        id,
        signIn(password).orElseThrow(() -> new IllegalStateException(email + " cannot sign in")));
  }

  // ---- admin API ----------------------------------------------------------------------------

  /**
   * Signs the dev admin in. A one-time code works once: when this period's code was used already
   * (another login in the same 30 s), the next period's code is waited for.
   */
  String adminLogin() throws Exception {
    HttpResponse<String> r = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      r =
          send(
              json(
                  HttpRequest.newBuilder(URI.create(adminUrl + "/admin/login")),
                  Map.of(
                      "email",
                      adminEmail,
                      "password",
                      adminPassword,
                      "totp",
                      TotpCodes.codeAt(adminTotp, Instant.now()))));
      if (r.statusCode() != 401 || !r.body().contains("code_already_used")) {
        break;
      }
      long now = System.currentTimeMillis();
      Thread.sleep(30_000 - now % 30_000 + 200);
    }
    require(r, 200, "the dev admin's login");
    return JSON.readTree(r.body()).get("access_token").asText();
  }

  private void offboard(String token, Tenant t) throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(
                    URI.create(
                        adminUrl + "/admin/tenants/" + t.tenantId() + "?skip_final_backup=true"))
                .header("authorization", "Bearer " + token)
                .DELETE());
    if (r.statusCode() != 202 && r.statusCode() != 409) {
      throw new IllegalStateException(
          "removing the old demo tenant answered " + r.statusCode() + ": " + r.body());
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (registry.findLiveBySubdomain(subdomain).isEmpty()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the old demo tenant was not removed in " + WAIT);
  }

  private UUID provision(String token) throws Exception {
    HttpResponse<String> created =
        send(
            json(
                    HttpRequest.newBuilder(URI.create(adminUrl + "/admin/tenants")),
                    Map.of(
                        "company_name", companyName,
                        "subdomain", subdomain,
                        "admin_email", email))
                .header("authorization", "Bearer " + token));
    require(created, 202, "provisioning the demo tenant");
    UUID id = UUID.fromString(JSON.readTree(created.body()).get("tenant_id").asText());
    awaitStatus(id, TenantStatus.AWAITING_VERIFICATION);
    // Verified automatically in dev: the link of the verification mail is followed.
    String link = mailLink(token, VERIFY_LINK).group();
    HttpResponse<String> verified = VerificationLink.confirm(http, link);
    require(verified, 200, "the demo tenant's verification link");
    awaitStatus(id, TenantStatus.ACTIVE);
    return id;
  }

  private void awaitStatus(UUID id, TenantStatus status) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    TenantStatus now = null;
    while (System.nanoTime() < deadline) {
      now = registry.findById(id).map(Tenant::status).orElse(null);
      if (now == status) {
        return;
      }
      if (now == TenantStatus.FAILED || now == TenantStatus.ROLLBACK_FAILED) {
        throw new IllegalStateException("provisioning the demo tenant ended " + now);
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the demo tenant is " + now + ", not " + status + " yet");
  }

  /** The newest mail to the demo user that holds a link of the pattern. */
  private Matcher mailLink(String token, Pattern pattern) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(adminUrl + "/admin/outbox"))
                  .header("authorization", "Bearer " + token));
      require(r, 200, "the dev outbox");
      for (JsonNode m : JSON.readTree(r.body()).path("messages")) {
        if (m.path("to").asText().contains(email)) {
          Matcher link = pattern.matcher(m.path("text").asText());
          if (link.find()) {
            return link;
          }
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no mail with the expected link reached " + email);
  }

  // ---- tenant API ---------------------------------------------------------------------------

  private String host() {
    return subdomain + "." + baseDomain + ":" + URI.create(routerUrl).getPort();
  }

  private HttpRequest.Builder tenant(String path, String token) {
    URI base = URI.create(routerUrl);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + base.getPort() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Host", host());
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return b;
  }

  /**
   * Sets the demo user's password with the link of the welcome mail. The outbox may still hold the
   * welcome mail of a demo tenant built before (whose link no longer works): tried until the new
   * one is there.
   */
  private void setPassword(String adminToken, String password) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    HttpResponse<String> r;
    do {
      String token =
          URLDecoder.decode(
              mailLink(adminToken, SET_PASSWORD_LINK).group(1), StandardCharsets.UTF_8);
      r =
          send(
              json(
                  tenant("/api/auth/set-password", null),
                  Map.of("token", token, "password", password)));
      if (r.statusCode() == 200) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    require(r, 200, "setting the demo user's password");
  }

  /** The demo user's tenant token, or empty when the password is refused. */
  Optional<String> signIn(String password) throws Exception {
    HttpResponse<String> r =
        send(json(tenant("/api/auth/login", null), Map.of("email", email, "password", password)));
    if (r.statusCode() != 200) {
      return Optional.empty();
    }
    return Optional.of(JSON.readTree(r.body()).get("access_token").asText());
  }

  private String load(String token, UUID tenantId) throws Exception {
    List<String> notes = new ArrayList<>();
    int products = 0;
    for (String[] p : PRODUCTS) {
      HttpResponse<String> r =
          send(
              json(
                  tenant("/api/products", token),
                  Map.of("sku", p[0], "name", p[1], "ean", p[2], "category", p[3])));
      require(r, 201, "creating product " + p[0]);
      products++;
    }
    notes.add(products + " products");
    int rows = 0;
    for (SampleFile f : SAMPLES) {
      HttpResponse<String> r = upload(token, f);
      if (f.hasBadRows()) {
        if (r.statusCode() != 422) {
          throw new IllegalStateException(
              f.name() + " should be refused, but the upload answered " + r.statusCode());
        }
        List<Integer> lines = new ArrayList<>();
        JSON.readTree(r.body()).path("details").forEach(d -> lines.add(d.path("line").asInt()));
        notes.add(f.name() + " refused, bad lines " + lines);
        log.info("demo tenant: {} refused as meant to, bad lines {}", f.name(), lines);
      } else {
        require(r, 201, "uploading " + f.name());
        rows += JSON.readTree(r.body()).get("rows").asInt();
      }
    }
    notes.add(rows + " sell-out rows");
    String[][] chat = {
      {"user", "Which product sold best in Germany in March?"},
      {"assistant", "Cleansing Foam 150ml: Berlin Mitte alone sold 26 units for 517.40 EUR."},
      {"user", "And online?"},
      {"assistant", "Hydra Serum 30ml leads the online shop, in GBP, CHF and EUR."}
    };
    for (String[] m : chat) {
      require(
          send(json(tenant("/api/conversations", token), Map.of("role", m[0], "message", m[1]))),
          201,
          "adding a conversation message");
    }
    notes.add(chat.length + " conversation messages");
    notes.add(insertOrders(tenantId) + " orders");
    return String.join(", ", notes);
  }

  private HttpResponse<String> upload(String token, SampleFile f) throws Exception {
    String boundary = "demo" + UUID.randomUUID().toString().replace("-", "");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String vendorPart =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"vendor\"\r\n\r\n"
            + f.vendor()
            + "\r\n";
    String filePart =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + f.name()
            + "\"\r\nContent-Type: text/csv\r\n\r\n";
    body.write(vendorPart.getBytes(StandardCharsets.UTF_8));
    body.write(filePart.getBytes(StandardCharsets.UTF_8));
    body.write(sample(f.name()));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return send(
        tenant("/api/sellout/uploads", token)
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  /** A sample file shipped in the launcher ({@code /demo/}). */
  static byte[] sample(String name) {
    try (InputStream in = DemoTenant.class.getResourceAsStream("/demo/" + name)) {
      if (in == null) {
        throw new IllegalStateException("the sample file " + name + " is not in the launcher");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Orders of the last 60 days (there is no endpoint that writes them), as the cluster admin. */
  private int insertOrders(UUID tenantId) throws Exception {
    Tenant t = registry.findById(tenantId).orElseThrow();
    String url = clusterUrl.replaceFirst("/[^/?]+(\\?.*)?$", "/" + t.databaseName() + "$1");
    DataSource tenantDb = DevPlatform.dataSource(url, clusterUser, clusterPassword);
    Map<String, BigDecimal> prices = new LinkedHashMap<>();
    prices.put("4006381333931", new BigDecimal("24.90"));
    prices.put("4006381333948", new BigDecimal("24.50"));
    prices.put("4006381333955", new BigDecimal("19.90"));
    prices.put("4006381333962", new BigDecimal("17.50"));
    prices.put("4006381333979", new BigDecimal("12.00"));
    prices.put("4006381333986", new BigDecimal("4.90"));
    String[] countries = {"DE", "AT", "CH", "GB", "FR"};
    String[] currencies = {"EUR", "EUR", "CHF", "GBP", "EUR"};
    List<String> eans = new ArrayList<>(prices.keySet());
    Instant start = Instant.parse("2026-01-05T09:00:00Z");
    int n = 0;
    try (Connection c = tenantDb.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ecommerce_orders (order_number, product_id, quantity, amount,"
                    + " currency, ordered_at, customer_country)"
                    + " SELECT ?, (SELECT id FROM products WHERE ean = ?), ?, ?, ?, ?, ?")) {
      for (int i = 0; i < 40; i++) {
        String ean = eans.get(i % eans.size());
        int quantity = 1 + (i * 7) % 5;
        int k = (i * 3) % countries.length;
        ps.setString(1, "DEMO-" + (10_001 + i));
        ps.setString(2, ean);
        ps.setBigDecimal(3, BigDecimal.valueOf(quantity));
        ps.setBigDecimal(4, prices.get(ean).multiply(BigDecimal.valueOf(quantity)));
        ps.setString(5, currencies[k]);
        ps.setTimestamp(6, Timestamp.from(start.plus(i * 7L, ChronoUnit.DAYS)));
        ps.setString(7, countries[k]);
        ps.addBatch();
        n++;
      }
      ps.executeBatch();
    }
    return n;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static HttpRequest.Builder json(HttpRequest.Builder b, Map<String, ?> body)
      throws IOException {
    return b.header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void require(HttpResponse<String> r, int status, String what) {
    if (r.statusCode() != status) {
      String body = r.body() == null ? "" : r.body();
      throw new IllegalStateException(
          what
              + " answered "
              + r.statusCode()
              + ": "
              + (body.length() > 300 ? body.substring(0, 300) : body));
    }
  }
}
