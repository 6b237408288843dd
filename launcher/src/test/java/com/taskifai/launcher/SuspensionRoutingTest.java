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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain on the dev platform: an admin suspends a tenant through the admin API (a Temporal
 * workflow writes the registry, the trigger notifies the router) and the tenant's own API stops
 * answering; reactivating brings it back.
 */
class SuspensionRoutingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void suspendingThroughTheAdminApiStopsRoutingAndReactivatingRestoresIt(@TempDir Path home)
      throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = new Properties();
      try (var r = Files.newBufferedReader(home.resolve("dev.env"))) {
        dev.load(r);
      }
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String routerPort = env.get("TASKIFAI_ROUTER_PORT");
      String adminToken =
          json(post(
                  admin + "/admin/login",
                  null,
                  Map.of(
                      "email", dev.getProperty("TASKIFAI_ADMIN_EMAIL"),
                      "password", dev.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                      "totp",
                          TotpCodes.codeAt(
                              dev.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"), Instant.now())),
                  null))
              .get("access_token")
              .asText();

      HttpResponse<String> created =
          post(
              admin + "/admin/tenants",
              adminToken,
              Map.of(
                  "company_name",
                  "Routed Inc",
                  "subdomain",
                  "routed",
                  "admin_email",
                  "boss@routed.test"),
              null);
      assertThat(created.statusCode()).isEqualTo(202);
      String tenantId = json(created).get("tenant_id").asText();
      String verify = awaitLink(admin, adminToken, "/verify-email\\?token=[A-Za-z0-9._~-]+");
      assertThat(VerificationLink.confirm(http, verify).statusCode()).isEqualTo(200);
      awaitStatus(admin, adminToken, tenantId, "ACTIVE");

      String setPassword = awaitLink(admin, adminToken, "/set-password\\?token=[A-Za-z0-9._~-]+");
      String host = "routed.localhost:" + routerPort;
      String router = "http://localhost:" + routerPort;
      String token = setPassword.substring(setPassword.indexOf("token=") + 6);
      assertThat(
              post(
                      router + "/api/auth/set-password",
                      null,
                      Map.of("token", token, "password", "correct horse battery"),
                      host)
                  .statusCode())
          .isEqualTo(200);
      String userToken =
          json(post(
                  router + "/api/auth/login",
                  null,
                  Map.of("email", "boss@routed.test", "password", "correct horse battery"),
                  host))
              .get("access_token")
              .asText();
      assertThat(get(router + "/api/products", userToken, host).statusCode()).isEqualTo(200);

      assertThat(
              post(admin + "/admin/tenants/" + tenantId + "/suspend", adminToken, Map.of(), null)
                  .statusCode())
          .isEqualTo(202);
      awaitResponse(router + "/api/products", userToken, host, r -> r.statusCode() == 403);

      assertThat(
              post(admin + "/admin/tenants/" + tenantId + "/reactivate", adminToken, Map.of(), null)
                  .statusCode())
          .isEqualTo(202);
      awaitResponse(router + "/api/products", userToken, host, r -> r.statusCode() == 200);
    }
  }

  private void awaitStatus(String admin, String token, String tenantId, String status)
      throws Exception {
    awaitResponse(
        admin + "/admin/tenants/" + tenantId,
        token,
        null,
        r -> status.equals(JSON.readTree(r.body()).path("status").asText()));
  }

  private String awaitLink(String admin, String token, String pattern) throws Exception {
    Pattern link = Pattern.compile("https?://[^\\s\"<>]*" + pattern);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode m : json(get(admin + "/admin/outbox", token, null)).path("messages")) {
        Matcher found = link.matcher(m.path("text").asText());
        if (found.find()) {
          return found.group();
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no mail with a link matching " + pattern);
  }

  private interface Check {
    boolean test(HttpResponse<String> r) throws Exception;
  }

  private void awaitResponse(String url, String token, String host, Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
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

  private HttpResponse<String> get(String url, String token, String host) throws Exception {
    return http.send(request(url, token, host).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String token, Map<String, String> body, String host)
      throws Exception {
    return http.send(
        request(url, token, host)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String url, String token, String host) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (host != null) {
      b.header("Host", host);
    }
    return b;
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }
}
