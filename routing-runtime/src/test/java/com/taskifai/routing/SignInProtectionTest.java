package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits per client address and per tenant on the sign-in endpoints, and the back-off per
 * account and address that replaced the hard lock. Each scenario speaks from loopback addresses of
 * its own (127.0.0.x), so the router sees distinct clients.
 */
class SignInProtectionTest {
  static final int PER_ADDRESS = 8;
  static final int PER_TENANT = 12;

  static TenantFixture fixture;
  static RouterApp app;

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    app =
        new RouterApp(
            fixture,
            Map.of(
                "taskifai.auth.rate.per-address", Integer.toString(PER_ADDRESS),
                "taskifai.auth.rate.per-tenant", Integer.toString(PER_TENANT),
                "taskifai.login.max-failures", "3",
                "taskifai.login.backoff", "PT2S",
                "taskifai.login.lockout", "PT1M"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static RouterApp.Response login(
      String from, TenantFixture.TestTenant t, String email, String password) {
    return app.postFrom(
        from,
        t.subdomain() + ".localhost",
        "/api/auth/login",
        Map.of("email", email, "password", password));
  }

  private static String unknownEmail() {
    return "nobody-" + UUID.randomUUID() + "@nowhere.test";
  }

  @Test
  void oneAddressGetsSoManySignInsAMinuteAcrossTenantsThen429WithRetryAfter() {
    TenantFixture.TestTenant t1 = fixture.createFromTemplate(TenantFixture.subdomain("rate-a"));
    TenantFixture.TestTenant t2 = fixture.createFromTemplate(TenantFixture.subdomain("rate-b"));
    for (int i = 0; i < PER_ADDRESS; i++) {
      assertThat(login("127.0.0.11", t1, unknownEmail(), "wrong password").status()).isEqualTo(401);
    }
    // The allowance refills evenly over the minute, so a slow machine may earn one more request.
    RouterApp.Response limited = login("127.0.0.11", t1, unknownEmail(), "wrong password");
    for (int extra = 0; extra < 2 && limited.status() == 401; extra++) {
      limited = login("127.0.0.11", t1, unknownEmail(), "wrong password");
    }
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.json().get("error").asString()).isEqualTo("rate_limited");
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 60);
    // The limit is the address's, whichever tenant it asks; another address is not affected.
    assertThat(login("127.0.0.11", t2, unknownEmail(), "wrong password").status()).isEqualTo(429);
    assertThat(login("127.0.0.12", t2, unknownEmail(), "wrong password").status()).isEqualTo(401);
    // Set-password shares the allowance.
    assertThat(
            app.postFrom(
                    "127.0.0.11",
                    t2.subdomain() + ".localhost",
                    "/api/auth/set-password",
                    Map.of("token", "x", "password", "long enough password"))
                .status())
        .isEqualTo(429);
  }

  @Test
  void oneTenantGetsSoManySignInsAMinuteFromAllAddressesTogether() {
    TenantFixture.TestTenant busy = fixture.createFromTemplate(TenantFixture.subdomain("rate-t"));
    TenantFixture.TestTenant calm = fixture.createFromTemplate(TenantFixture.subdomain("rate-u"));
    List<Integer> statuses = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < PER_TENANT + 4; i++) {
      RouterApp.Response r = login("127.0.1." + (10 + i), busy, unknownEmail(), "wrong password");
      statuses.add(r.status());
      errors.add(r.json().get("error").asString());
      if (r.status() == 429) {
        assertThat(r.header("Retry-After")).isNotBlank();
      }
    }
    assertThat(statuses.subList(0, PER_TENANT)).containsOnly(401);
    // The allowance refills evenly over the minute, so a slow machine may earn one more request.
    assertThat(statuses.subList(PER_TENANT, PER_TENANT + 4)).contains(429);
    assertThat(errors.get(statuses.lastIndexOf(429))).isEqualTo("rate_limited");
    assertThat(login("127.0.1.200", calm, unknownEmail(), "wrong password").status())
        .isEqualTo(401);
  }

  @Test
  void failuresBackOffPerAccountAndAddressAlikeForUnknownEmailsAndNeverLockForGood()
      throws Exception {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("backoff"));
    String password = "correct horse battery " + t.subdomain();
    RouterApp.Response set =
        app.postFrom(
            "127.0.2.1",
            t.subdomain() + ".localhost",
            "/api/auth/set-password",
            Map.of("token", t.adminSetPasswordToken(), "password", password));
    assertThat(set.status()).as(set.body()).isEqualTo(200);

    List<RouterApp.Response> known = new ArrayList<>();
    List<RouterApp.Response> unknown = new ArrayList<>();
    String nobody = unknownEmail();
    for (int i = 0; i < 3; i++) {
      known.add(login("127.0.2.2", t, t.adminEmail(), "wrong password " + i));
      unknown.add(login("127.0.2.3", t, nobody, "wrong password " + i));
    }
    // The fourth attempt waits, even with the right password.
    known.add(login("127.0.2.2", t, t.adminEmail(), password));
    unknown.add(login("127.0.2.3", t, nobody, password));
    for (int i = 0; i < known.size(); i++) {
      RouterApp.Response k = known.get(i);
      RouterApp.Response u = unknown.get(i);
      assertThat(k.status()).isEqualTo(u.status()).isEqualTo(i < 3 ? 401 : 429);
      assertThat(k.body()).isEqualTo(u.body());
      assertThat(k.header("Retry-After")).isEqualTo(u.header("Retry-After"));
    }
    assertThat(known.get(3).json().get("error").asString()).isEqualTo("locked");
    assertThat(known.get(3).json().has("access_token")).isFalse();

    // The account itself is not locked: the owner at another address signs in.
    RouterApp.Response elsewhere = login("127.0.2.4", t, t.adminEmail(), password);
    assertThat(elsewhere.status()).as(elsewhere.body()).isEqualTo(200);

    // The wait ends; each further failure doubles it.
    Thread.sleep(2_100);
    assertThat(login("127.0.2.2", t, t.adminEmail(), "wrong again").status()).isEqualTo(401);
    RouterApp.Response longer = login("127.0.2.2", t, t.adminEmail(), password);
    assertThat(longer.status()).isEqualTo(429);
    assertThat(Integer.parseInt(longer.header("Retry-After"))).isBetween(3, 4);
  }
}
