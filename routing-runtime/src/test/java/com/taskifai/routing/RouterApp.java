package com.taskifai.routing;

import com.taskifai.routing.auth.TenantTokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The routing runtime started the way the launcher starts it (SpringApplicationBuilder with a
 * property map) on a free port; its HTTP client is {@link RouterClient}.
 */
final class RouterApp extends RouterClient implements AutoCloseable {
  final ConfigurableApplicationContext context;
  final int managementPort;

  RouterApp(TenantFixture fixture, Map<String, String> overrides) {
    this(start(fixture, overrides));
  }

  /** A router with {@code extraSources} (test configurations) added to its context. */
  RouterApp(TenantFixture fixture, Map<String, String> overrides, Class<?>... extraSources) {
    this(start(fixture, overrides, extraSources));
  }

  private RouterApp(ConfigurableApplicationContext context) {
    super(Integer.parseInt(context.getEnvironment().getProperty("local.server.port")));
    this.context = context;
    managementPort =
        Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
  }

  private static ConfigurableApplicationContext start(
      TenantFixture fixture, Map<String, String> overrides, Class<?>... extraSources) {
    Map<String, Object> props = new HashMap<>();
    // A dev process: without it the production checks refuse the inline test keys.
    props.put("taskifai.env", com.taskifai.registry.settings.ProductionSettings.DEV);
    props.put("TASKIFAI_ROUTER_PORT", "0");
    props.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", "0");
    props.put("taskifai.db.url", fixture.platform.jdbcUrl());
    props.put("taskifai.db.username", fixture.platform.role());
    props.put("taskifai.db.password", com.taskifai.registry.testing.TestPostgres.PLATFORM_PASSWORD);
    props.put("taskifai.master-keys", fixture.masterKeys);
    props.put("taskifai.base-domain", "localhost");
    props.put("taskifai.tenant-jwt-secret", "test-secret-" + UUID.randomUUID() + "-0123456789");
    props.putAll(overrides);
    return new SpringApplicationBuilder(RoutingRuntimeApplication.class)
        .sources(extraSources)
        .properties(props)
        .run();
  }

  <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  /** A token this router issues for the tenant's first admin, as a sign-in would. */
  String adminToken(TenantFixture.TestTenant t) {
    return bean(TenantTokens.class).issue(t.id(), t.adminId(), "admin", Instant.now());
  }

  /** The Prometheus text of the management port (loopback only). */
  String metrics() {
    try {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A GET of an actuator endpoint on the management port (loopback only). */
  Response management(String path) {
    return send(managementPort, "localhost", path, null, HttpRequest.newBuilder().GET());
  }

  /**
   * A JSON POST sent from another loopback address (such as 127.0.0.7), as a client elsewhere
   * would: the router sees that address as the client's.
   */
  Response postFrom(String localAddress, String host, String path, Object body) {
    return postFrom(localAddress, host, path, body, Map.of());
  }

  /** {@link #postFrom(String, String, String, Object)} with extra request headers. */
  Response postFrom(
      String localAddress, String host, String path, Object body, Map<String, String> sent) {
    byte[] json = JSON.writeValueAsBytes(body);
    StringBuilder extra = new StringBuilder();
    sent.forEach((k, v) -> extra.append(k).append(": ").append(v).append("\r\n"));
    try (Socket s = new Socket()) {
      s.bind(new java.net.InetSocketAddress(localAddress, 0));
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(20_000);
      OutputStream o = s.getOutputStream();
      o.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + json.length
                  + "\r\n"
                  + extra
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      o.write(json);
      o.flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int split = answer.indexOf("\r\n\r\n");
      String[] head = answer.substring(0, split).split("\r\n");
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < head.length; i++) {
        int colon = head[i].indexOf(':');
        headers.put(
            head[i].substring(0, colon).strip().toLowerCase(),
            head[i].substring(colon + 1).strip());
      }
      String bodyText = answer.substring(split + 4);
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        StringBuilder joined = new StringBuilder();
        int at = 0;
        while (true) {
          int eol = bodyText.indexOf("\r\n", at);
          int size = Integer.parseInt(bodyText.substring(at, eol).strip(), 16);
          if (size == 0) {
            break;
          }
          joined.append(bodyText, eol + 2, eol + 2 + size);
          at = eol + 2 + size + 2;
        }
        bodyText = joined.toString();
      }
      return new Response(Integer.parseInt(head[0].substring(9, 12)), bodyText, headers);
    } catch (IOException e) {
      throw new IllegalStateException("request from " + localAddress + " failed", e);
    }
  }

  /** Sends raw bytes as a request line and headers; returns the status code of the answer. */
  int rawStatus(byte[] requestHead) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(requestHead);
      o.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int ch;
      while ((ch = in.read()) != -1 && ch != '\n') {
        line.write(ch);
      }
      String status = line.toString(StandardCharsets.ISO_8859_1);
      if (!status.startsWith("HTTP/1.1 ")) {
        throw new IllegalStateException("no HTTP answer: '" + status + "'");
      }
      return Integer.parseInt(status.substring(9, 12));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sets the admin's password with the one-time token and signs in; returns the access token. */
  String signInAdmin(TenantFixture.TestTenant t) {
    return setPasswordAndSignIn(t.subdomain(), t.adminSetPasswordToken(), t.adminEmail());
  }

  String setPasswordAndSignIn(String subdomain, String setPasswordToken, String email) {
    String host = subdomain + ".localhost";
    String password = "correct horse battery " + subdomain;
    Response set =
        post(
            host,
            "/api/auth/set-password",
            null,
            Map.of("token", setPasswordToken, "password", password));
    if (set.status() != 200) {
      throw new IllegalStateException("set-password failed: " + set);
    }
    return login(host, email, password);
  }

  @Override
  public void close() {
    context.close();
  }
}
