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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups and restores touch only their own tenant: on the dev platform (admin API, worker and the
 * real router in one JVM), a loop of requests to tenant B through the router answers 200 every time
 * while tenant A is backed up and then restored in replace mode (a new database swapped in) through
 * the admin API.
 */
class BackupIsolationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void anotherTenantAnswers200ThroughoutABackupAndAReplaceRestore(@TempDir Path home)
      throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put("TASKIFAI_BACKUP_DIR", home.resolve("backups").toString());
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = new Properties();
      try (var r = Files.newBufferedReader(home.resolve("dev.env"))) {
        dev.load(r);
      }
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String routerPort = env.get("TASKIFAI_ROUTER_PORT");
      String router = "http://localhost:" + routerPort;
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

      String tenantA = activeTenant(admin, adminToken, "isoa");
      activeTenant(admin, adminToken, "isob");
      String hostB = "isob.localhost:" + routerPort;
      String setPassword =
          awaitLink(admin, adminToken, "boss@isob.test", "/set-password\\?token=[A-Za-z0-9._~-]+");
      assertThat(
              post(
                      router + "/api/auth/set-password",
                      null,
                      Map.of(
                          "token",
                          setPassword.substring(setPassword.indexOf("token=") + 6),
                          "password",
                          "correct horse battery"),
                      hostB)
                  .statusCode())
          .isEqualTo(200);
      String tokenB =
          json(post(
                  router + "/api/auth/login",
                  null,
                  Map.of("email", "boss@isob.test", "password", "correct horse battery"),
                  hostB))
              .get("access_token")
              .asText();

      // Tenant B's traffic, in the background, for as long as A is backed up and restored.
      List<String> failures = new CopyOnWriteArrayList<>();
      List<Long> answered = new CopyOnWriteArrayList<>();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread traffic =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    HttpResponse<String> r = get(router + "/api/products", tokenB, hostB);
                    answered.add(System.nanoTime());
                    if (r.statusCode() != 200) {
                      failures.add(r.statusCode() + " " + r.body());
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                }
              },
              "tenant-b-traffic");
      traffic.start();
      try {
        long before = answered.size();
        HttpResponse<String> started =
            post(admin + "/admin/tenants/" + tenantA + "/backups", adminToken, Map.of(), null);
        assertThat(started.statusCode()).isEqualTo(202);
        String backupId = json(started).get("backup_id").asText();
        awaitResponse(
            admin + "/admin/tenants/" + tenantA + "/backups",
            adminToken,
            null,
            r -> {
              for (JsonNode b : JSON.readTree(r.body()).path("backups")) {
                if (backupId.equals(b.path("backup_id").asText())) {
                  return "GOOD".equals(b.path("status").asText());
                }
              }
              return false;
            });
        long duringBackup = answered.size() - before;

        before = answered.size();
        HttpResponse<String> restore =
            post(
                admin + "/admin/tenants/" + tenantA + "/backups/" + backupId + "/restore",
                adminToken,
                Map.of("mode", "replace", "confirm_subdomain", "isoa"),
                null);
        assertThat(restore.statusCode()).isEqualTo(202);
        String workflowId = json(restore).get("workflow_id").asText();
        awaitResponse(
            admin + "/admin/tenants/" + tenantA + "/backups/restores/" + workflowId,
            adminToken,
            null,
            r -> "grace_period".equals(JSON.readTree(r.body()).path("step").asText()));
        long duringRestore = answered.size() - before;

        assertThat(duringBackup).as("requests to B during A's backup").isPositive();
        assertThat(duringRestore).as("requests to B during A's restore").isPositive();
      } finally {
        running.set(false);
        traffic.join(30_000);
      }
      assertThat(failures).as("tenant B's non-200 answers").isEmpty();
      assertThat(answered).hasSizeGreaterThan(5);
    }
  }

  /** Creates a tenant through the admin API, confirms its e-mail and waits until it is ACTIVE. */
  private String activeTenant(String admin, String token, String subdomain) throws Exception {
    HttpResponse<String> created =
        post(
            admin + "/admin/tenants",
            token,
            Map.of(
                "company_name",
                subdomain + " Inc",
                "subdomain",
                subdomain,
                "admin_email",
                "boss@" + subdomain + ".test"),
            null);
    assertThat(created.statusCode()).isEqualTo(202);
    String tenantId = json(created).get("tenant_id").asText();
    String verify =
        awaitLink(
            admin, token, "boss@" + subdomain + ".test", "/verify-email\\?token=[A-Za-z0-9._~-]+");
    assertThat(VerificationLink.confirm(http, verify).statusCode()).isEqualTo(200);
    awaitResponse(
        admin + "/admin/tenants/" + tenantId,
        token,
        null,
        r -> "ACTIVE".equals(JSON.readTree(r.body()).path("status").asText()));
    return tenantId;
  }

  private String awaitLink(String admin, String token, String to, String pattern) throws Exception {
    Pattern link = Pattern.compile("https?://[^\\s\"<>]*" + pattern);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode m : json(get(admin + "/admin/outbox", token, null)).path("messages")) {
        if (!m.path("to").asText().contains(to)) {
          continue;
        }
        Matcher found = link.matcher(m.path("text").asText());
        if (found.find()) {
          return found.group();
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no mail to " + to + " with a link matching " + pattern);
  }

  private interface Check {
    boolean test(HttpResponse<String> r) throws Exception;
  }

  private void awaitResponse(String url, String token, String host, Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
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
