package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.launcher.bench.VerificationLink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tests that speak to a running platform over real HTTP share: requests with an optional
 * bearer token and Host header, JSON bodies, waiting for an answer, and links from the admin API's
 * dev outbox.
 */
abstract class PlatformHttpTest {
  protected static final ObjectMapper JSON = new ObjectMapper();
  protected final HttpClient http = HttpClient.newHttpClient();
  private final Duration responseTimeout;
  private final Duration linkTimeout;

  /** {@code responseTimeout} for {@link #awaitResponse}, {@code linkTimeout} for the outbox. */
  protected PlatformHttpTest(Duration responseTimeout, Duration linkTimeout) {
    this.responseTimeout = responseTimeout;
    this.linkTimeout = linkTimeout;
  }

  protected PlatformHttpTest() {
    this(Duration.ofSeconds(60), Duration.ofSeconds(60));
  }

  protected interface Check {
    boolean test(HttpResponse<String> r) throws Exception;
  }

  /**
   * GETs {@code url} until {@code check} accepts the answer, failing after the response timeout.
   */
  protected void awaitResponse(String url, String token, String host, Check check)
      throws Exception {
    long deadline = System.nanoTime() + responseTimeout.toNanos();
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      last = get(url, token, host);
      if (check.test(last)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        url + " never answered as expected; last: " + last.statusCode() + " " + last.body());
  }

  /**
   * Logs in as the dev platform's admin (password and current one-time code from its dev.env),
   * asserting a 200; the access token.
   */
  /**
   * Backs the tenant up through the admin API and waits until the backup is GOOD and the backup
   * workflow has let go of the tenant (another operation may start).
   *
   * @return the backup's id
   */
  protected String backUp(String admin, String token, String tenantId) throws Exception {
    HttpResponse<String> started =
        post(admin + "/admin/tenants/" + tenantId + "/backups", token, java.util.Map.of(), null);
    if (started.statusCode() != 202) {
      throw new AssertionError("backup of " + tenantId + " answered " + started.body());
    }
    String backupId = json(started).get("backup_id").asText();
    awaitResponse(
        admin + "/admin/tenants/" + tenantId + "/backups",
        token,
        null,
        r -> {
          JsonNode list = JSON.readTree(r.body());
          for (JsonNode b : list.path("backups")) {
            if (backupId.equals(b.path("backup_id").asText())) {
              return "GOOD".equals(b.path("status").asText()) && !list.hasNonNull("operation");
            }
          }
          return false;
        });
    return backupId;
  }

  protected String adminLogin(Properties dev) throws Exception {
    HttpResponse<String> r =
        post(
            dev.getProperty("TASKIFAI_ADMIN_URL") + "/admin/login",
            null,
            Map.of(
                "email", dev.getProperty("TASKIFAI_ADMIN_EMAIL"),
                "password", dev.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                "totp",
                    TotpCodes.codeAt(dev.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"), Instant.now())),
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("access_token").asText();
  }

  /** A link matching {@code pattern} from any mail in the dev outbox. */
  protected String awaitLink(String admin, String token, String pattern) throws Exception {
    return awaitLink(admin, token, null, pattern);
  }

  /** A link matching {@code pattern} from a mail to {@code to} (null: any) in the dev outbox. */
  protected String awaitLink(String admin, String token, String to, String pattern)
      throws Exception {
    Pattern link = Pattern.compile("https?://[^\\s\"<>]*" + pattern);
    long deadline = System.nanoTime() + linkTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode m : json(get(admin + "/admin/outbox", token, null)).path("messages")) {
        if (to != null && !m.path("to").asText().contains(to)) {
          continue;
        }
        Matcher found = link.matcher(m.path("text").asText());
        if (found.find()) {
          return found.group();
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "no mail" + (to == null ? "" : " to " + to) + " with a link matching " + pattern);
  }

  /** The password {@link #signedInTenant} gives each tenant's first admin. */
  protected static final String TENANT_PASSWORD = "correct horse battery";

  /** A tenant's first admin, signed in through the router. */
  protected record SignedIn(UUID tenantId, String subdomain, String email, String token) {}

  /**
   * Creates an ACTIVE tenant of {@code tier} through the admin API at {@code admin}, sets its
   * admin's password from the mailed link and signs in through the router on {@code routerPort}.
   */
  protected SignedIn signedInTenant(
      String admin, String adminToken, String routerPort, String prefix, String tier)
      throws Exception {
    String subdomain = prefix + Long.toString(System.nanoTime() % 100_000, 36);
    String email = "boss@" + subdomain + ".test";
    HttpResponse<String> created =
        post(
            admin + "/admin/tenants",
            adminToken,
            Map.of(
                "company_name",
                subdomain + " Inc",
                "subdomain",
                subdomain,
                "admin_email",
                email,
                "tier",
                tier),
            null);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
    UUID tenantId = UUID.fromString(json(created).get("tenant_id").asText());
    String verify = awaitLink(admin, adminToken, email, "/verify-email\\?token=[A-Za-z0-9._~-]+");
    assertThat(VerificationLink.confirm(http, verify).statusCode()).isEqualTo(200);
    awaitResponse(
        admin + "/admin/tenants/" + tenantId,
        adminToken,
        null,
        r -> "ACTIVE".equals(JSON.readTree(r.body()).path("status").asText()));
    String router = "http://localhost:" + routerPort;
    String host = subdomain + ".localhost:" + routerPort;
    String link = awaitLink(admin, adminToken, email, "/set-password\\?token=[A-Za-z0-9._~-]+");
    assertThat(
            post(
                    router + "/api/auth/set-password",
                    null,
                    Map.of(
                        "token",
                        link.substring(link.indexOf("token=") + 6),
                        "password",
                        TENANT_PASSWORD),
                    host)
                .statusCode())
        .isEqualTo(200);
    String token =
        json(post(
                router + "/api/auth/login",
                null,
                Map.of("email", email, "password", TENANT_PASSWORD),
                host))
            .get("access_token")
            .asText();
    return new SignedIn(tenantId, subdomain, email, token);
  }

  protected HttpResponse<String> get(String url, String token, String host) throws Exception {
    return http.send(request(url, token, host).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  protected HttpResponse<String> post(
      String url, String token, Map<String, String> body, String host) throws Exception {
    return http.send(
        request(url, token, host)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  protected static HttpRequest.Builder request(String url, String token, String host) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (host != null) {
      b.header("Host", host);
    }
    return b;
  }

  protected static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }
}
