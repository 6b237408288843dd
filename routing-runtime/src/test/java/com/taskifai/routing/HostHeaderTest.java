package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.TenantStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HostHeaderTest {
  static RouterApp app;
  static TenantFixture.TestTenant active;
  static TenantFixture.TestTenant suspended;

  @BeforeAll
  static void start() {
    TenantFixture fixture = SharedRouter.fixture();
    app = SharedRouter.app();
    active = fixture.createFromTemplate(TenantFixture.subdomain("hosty"));
    suspended = fixture.createFromTemplate(TenantFixture.subdomain("gone"));
    fixture.registry.setStatus(suspended.id(), TenantStatus.SUSPENDED);
  }

  @Test
  void badHostHeadersAreRefusedWith400Or403AndNeverA500() {
    String good = active.subdomain();
    List<String> hosts =
        List.of(
            "",
            " ",
            "localhost",
            "localhost:8081",
            ".localhost",
            "127.0.0.1",
            "127.0.0.1:8081",
            "[::1]",
            "[::1]:8081",
            "::1",
            good.toUpperCase() + ".LOCALHOST",
            good + ".localhost.",
            good + ".localhost:",
            good + ".localhost:abc",
            good + ".localhost:99999999",
            good + ".localhost:80:80",
            "a." + good + ".localhost",
            good + ".example.com",
            good + ".localhost.evil.com",
            "évil.localhost",
            "ü" + good + ".localhost",
            "xn--bcher-kva.localhost",
            "ab.localhost",
            "-" + good + ".localhost",
            good + "-.localhost",
            "a_b_c.localhost",
            "www.localhost",
            "admin.localhost",
            "api.localhost",
            "x".repeat(51) + ".localhost",
            "x".repeat(300) + ".localhost",
            "x".repeat(5000),
            "no-such-tenant.localhost",
            suspended.subdomain() + ".localhost",
            good + " .localhost",
            good + "..localhost",
            "%2e%2e.localhost",
            good + ".localhost/evil",
            "user@" + good + ".localhost");
    assertThat(hosts).hasSizeGreaterThanOrEqualTo(30);
    List<String> wrong = new ArrayList<>();
    for (String host : hosts) {
      byte[] head =
          ("GET /api/me HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8);
      int status = app.rawStatus(head);
      if (status != 400 && status != 403) {
        wrong.add(host.length() > 40 ? host.substring(0, 40) + "..." : host + " -> " + status);
      }
    }
    // No Host header at all, and two of them.
    int none = app.rawStatus("GET /api/me HTTP/1.1\r\nConnection: close\r\n\r\n".getBytes());
    int two =
        app.rawStatus(
            ("GET /api/me HTTP/1.1\r\nHost: "
                    + good
                    + ".localhost\r\nHost: other.localhost\r\n"
                    + "Connection: close\r\n\r\n")
                .getBytes());
    assertThat(wrong).isEmpty();
    assertThat(none).isIn(400, 403);
    assertThat(two).isIn(400, 403);
  }

  @Test
  void aMalformedHostIs400AndAnUnknownOrSuspendedTenant403WithOneAnswer() {
    RouterApp.Response malformed = app.get("127.0.0.1", "/api/me", null);
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().get("error").asString()).isEqualTo("bad_host");
    RouterApp.Response unknown = app.get("no-such-tenant.localhost", "/api/me", null);
    RouterApp.Response gone = app.get(suspended.subdomain() + ".localhost", "/api/me", null);
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(gone.status()).isEqualTo(403);
    assertThat(gone.body()).isEqualTo(unknown.body());
    // The real tenant answers (401: it wants a token), so the 403s above are about the host.
    assertThat(app.get(active.subdomain() + ".localhost", "/api/me", null).status()).isEqualTo(401);
    assertThat(app.get(active.subdomain() + ".localhost:8081", "/api/me", null).status())
        .isEqualTo(401);
  }
}
