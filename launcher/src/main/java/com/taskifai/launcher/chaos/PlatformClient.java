package com.taskifai.launcher.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.api.auth.TotpCodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The chaos soak's HTTP client of a running platform: the admin API (signed in as the platform
 * admin with a one-time code) and the routers (by Host header). An answer that never came is status
 * 0, so the workload records it as an outcome instead of failing.
 */
final class PlatformClient {
  static final ObjectMapper JSON = new ObjectMapper();

  /** An answer: its status (0 when there was none) and body. */
  record Answer(int status, String body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return JSON.createObjectNode();
      }
    }

    /** The outcome's name in the report: ok, refused-409, unavailable, error-500 and so on. */
    String outcome() {
      if (ok()) {
        return "ok";
      }
      if (status == 0 || status == 502 || status == 503 || status == 504) {
        return "unavailable";
      }
      if (status == 409 || status == 422 || status == 423) {
        return "refused-" + status;
      }
      return "error-" + status;
    }
  }

  final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(3))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private final String admin;
  private final String adminEmail;
  private final String adminPassword;
  private final String totpSecret;
  private volatile String adminToken;
  private String lastCode = "";

  PlatformClient(Map<String, String> settings) {
    this.admin = settings.get("TASKIFAI_ADMIN_URL").replace("//localhost:", "//127.0.0.1:");
    this.adminEmail = settings.get("TASKIFAI_ADMIN_EMAIL");
    this.adminPassword = settings.get("TASKIFAI_ADMIN_PASSWORD");
    this.totpSecret = settings.get("TASKIFAI_ADMIN_TOTP_SECRET");
  }

  /**
   * Signs the admin in; a one-time code counts once, so a second sign-in waits for the next one.
   *
   * @return false when the admin API did not let the admin in
   */
  synchronized boolean login() throws InterruptedException {
    String code = TotpCodes.codeAt(totpSecret, Instant.now());
    while (code.equals(lastCode)) {
      Thread.sleep(1000);
      code = TotpCodes.codeAt(totpSecret, Instant.now());
    }
    Answer r =
        send(
            "POST",
            admin + "/admin/login",
            null,
            null,
            Map.of("email", adminEmail, "password", adminPassword, "totp", code));
    if (!r.ok()) {
      return false;
    }
    lastCode = code;
    adminToken = r.json().path("access_token").asText();
    return true;
  }

  /** An admin API call; a 401 (token expired, MFA too old) signs in again once. */
  Answer admin(String method, String path, Object body) throws InterruptedException {
    String token = adminToken;
    Answer r = send(method, admin + path, token, null, body);
    if (r.status() == 401 || (r.status() == 403 && r.body().contains("mfa"))) {
      synchronized (this) {
        if (token == adminToken) {
          login();
        }
      }
      r = send(method, admin + path, adminToken, null, body);
    }
    return r;
  }

  /** A tenant API call through the router on {@code port}. */
  Answer tenant(int port, String subdomain, String method, String path, String token, Object body)
      throws InterruptedException {
    return send(
        method, "http://127.0.0.1:" + port + path, token, subdomain + ".localhost:" + port, body);
  }

  /** A multipart upload of one file with one text field through the router on {@code port}. */
  Answer upload(
      int port,
      String subdomain,
      String path,
      String token,
      String field,
      String value,
      String fileName,
      byte[] file)
      throws InterruptedException {
    String boundary = "----chaos" + UUID.randomUUID();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\""
            + field
            + "\"\r\n\r\n"
            + value
            + "\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + fileName
            + "\"\r\nContent-Type: text/csv\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(file);
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20))
            .header("Host", subdomain + ".localhost:" + port)
            .header("authorization", "Bearer " + token)
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()))
            .build();
    return send(request);
  }

  /** A plain GET of {@code url} (metrics, readiness). */
  Answer get(String url) throws InterruptedException {
    return send("GET", url, null, null, null);
  }

  Answer send(String method, String url, String token, String host, Object body)
      throws InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (host != null) {
      b.header("Host", host);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      try {
        b.header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      } catch (IOException e) {
        throw new IllegalArgumentException(e);
      }
    }
    return send(b.build());
  }

  private Answer send(HttpRequest request) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Answer(0, e.toString());
    }
  }
}
