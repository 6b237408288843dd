package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits per client address and per tenant on the sign-in endpoints, and the back-off per
 * account and address that replaced the hard lock, kept in the platform database: two routers share
 * them. Each scenario speaks from loopback addresses of its own (127.0.0.x), so the routers see
 * distinct clients; 127.0.0.1 is a trusted proxy whose X-Forwarded-For the routers believe.
 */
class SignInProtectionTest {
  static final int PER_ADDRESS = 8;
  static final int PER_TENANT = 12;

  static final Map<String, String> SETTINGS =
      Map.of(
          "taskifai.auth.rate.per-address", Integer.toString(PER_ADDRESS),
          "taskifai.auth.rate.per-tenant", Integer.toString(PER_TENANT),
          "taskifai.login.max-failures", "3",
          "taskifai.login.backoff", "PT2S",
          "taskifai.login.lockout", "PT1M",
          "TASKIFAI_TRUSTED_PROXIES", "127\\.0\\.0\\.1");

  static TenantFixture fixture;
  static RouterApp app;

  /** A second router on the same platform database. */
  static RouterApp twin;

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    app = new RouterApp(fixture, SETTINGS);
    twin = new RouterApp(fixture, SETTINGS);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (twin != null) {
      twin.close();
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
  void oneTenantGetsSoManyFailedSignInsAMinuteThenFailingAddressesWaitWhileOthersSignIn() {
    TenantFixture.TestTenant busy = fixture.createFromTemplate(TenantFixture.subdomain("rate-t"));
    TenantFixture.TestTenant calm = fixture.createFromTemplate(TenantFixture.subdomain("rate-u"));
    String password = setPassword(busy);
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
    int held = statuses.lastIndexOf(429);
    assertThat(errors.get(held)).isEqualTo("rate_limited");
    // The address that found the allowance spent waits, even with the right password, on both
    // routers; an address that has not failed signs in.
    String heldAddress = "127.0.1." + (10 + held);
    assertThat(login(heldAddress, busy, busy.adminEmail(), password).status()).isEqualTo(429);
    assertThat(
            twin.postFrom(
                    heldAddress,
                    busy.subdomain() + ".localhost",
                    "/api/auth/login",
                    Map.of("email", busy.adminEmail(), "password", password))
                .status())
        .isEqualTo(429);
    RouterApp.Response fresh = login("127.0.1.199", busy, busy.adminEmail(), password);
    assertThat(fresh.status()).as(fresh.body()).isEqualTo(200);
    assertThat(login("127.0.1.200", calm, unknownEmail(), "wrong password").status())
        .isEqualTo(401);
  }

  @Test
  void aFloodFromTwentyAddressesOnTwoRoutersLeavesTheTenantsRealUsersSigningIn() throws Exception {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("flooded"));
    String password = setPassword(t);
    String host = t.subdomain() + ".localhost";
    RouterApp[] routers = {app, twin};
    ConcurrentMap<Integer, AtomicInteger> flood = new ConcurrentHashMap<>();
    List<Integer> real = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(21);
    try {
      // Each flooding address stays within its own allowance (PER_ADDRESS a minute); together
      // they send many times the tenant's allowance of failures, at a known and an unknown e-mail.
      for (int a = 1; a <= 20; a++) {
        String from = "127.0.3." + a;
        pool.execute(
            () -> {
              for (int n = 0; n < PER_ADDRESS; n++) {
                String email = n % 2 == 0 ? t.adminEmail() : unknownEmail();
                int status =
                    routers[n % 2]
                        .postFrom(
                            from,
                            host,
                            "/api/auth/login",
                            Map.of("email", email, "password", "wrong password " + n))
                        .status();
                flood.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
              }
            });
      }
      pool.execute(
          () -> {
            for (int u = 1; u <= 40; u++) {
              real.add(
                  routers[u % 2]
                      .postFrom(
                          "127.0.4." + u,
                          host,
                          "/api/auth/login",
                          Map.of("email", t.adminEmail(), "password", password))
                      .status());
            }
          });
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(real).hasSize(40);
    long succeeded = real.stream().filter(s -> s == 200).count();
    assertThat(succeeded * 100).as(real.toString()).isGreaterThanOrEqualTo(99L * real.size());
    assertThat(flood.get(429)).as(flood.toString()).isNotNull();
    assertThat(flood.keySet()).as(flood.toString()).containsOnly(401, 429);
  }

  @Test
  void routersShareTheAllowanceOfAnAddressAndABackOffOutlivesARestart() {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("shared"));
    String host = t.subdomain() + ".localhost";
    Map<String, String> wrong = Map.of("email", unknownEmail(), "password", "wrong password");
    // Half the allowance on each router: together they use it up.
    for (int i = 0; i < PER_ADDRESS; i++) {
      RouterApp r = i % 2 == 0 ? app : twin;
      assertThat(r.postFrom("127.0.5.1", host, "/api/auth/login", unknownLogin()).status())
          .isEqualTo(401);
    }
    RouterApp.Response limited = twin.postFrom("127.0.5.1", host, "/api/auth/login", wrong);
    for (int extra = 0; extra < 2 && limited.status() == 401; extra++) {
      limited = app.postFrom("127.0.5.1", host, "/api/auth/login", wrong);
    }
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.json().get("error").asString()).isEqualTo("rate_limited");

    // A back-off started by a router that has stopped since still holds on the others.
    String other = fixture.createFromTemplate(TenantFixture.subdomain("restart")).subdomain();
    Map<String, String> slow = new HashMap<>(SETTINGS);
    slow.put("taskifai.login.backoff", "PT1M");
    try (RouterApp stopped = new RouterApp(fixture, slow)) {
      for (int i = 0; i < 3; i++) {
        assertThat(
                stopped
                    .postFrom("127.0.5.2", other + ".localhost", "/api/auth/login", wrong)
                    .status())
            .isEqualTo(401);
      }
    }
    RouterApp.Response locked =
        app.postFrom("127.0.5.2", other + ".localhost", "/api/auth/login", wrong);
    assertThat(locked.status()).isEqualTo(429);
    assertThat(locked.json().get("error").asString()).isEqualTo("locked");
    assertThat(Integer.parseInt(locked.header("Retry-After"))).isBetween(30, 60);
  }

  @Test
  void aForwardedClientAddressCountsOnlyWhenATrustedProxySendsIt() {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("proxied"));
    String host = t.subdomain() + ".localhost";
    // Through the trusted proxy (127.0.0.1) each forwarded client has an allowance of its own.
    for (int i = 0; i < PER_ADDRESS; i++) {
      assertThat(
              app.postFrom(
                      "127.0.0.1",
                      host,
                      "/api/auth/login",
                      unknownLogin(),
                      Map.of("X-Forwarded-For", "198.51.100.7"))
                  .status())
          .isEqualTo(401);
    }
    RouterApp.Response spent = null;
    for (int extra = 0; extra < 3; extra++) {
      spent =
          app.postFrom(
              "127.0.0.1",
              host,
              "/api/auth/login",
              unknownLogin(),
              Map.of("X-Forwarded-For", "198.51.100.7"));
      if (spent.status() == 429) {
        break;
      }
    }
    assertThat(spent.status()).isEqualTo(429);
    assertThat(
            app.postFrom(
                    "127.0.0.1",
                    host,
                    "/api/auth/login",
                    unknownLogin(),
                    Map.of("X-Forwarded-For", "198.51.100.8"))
                .status())
        .isEqualTo(401);
    // From any other sender the header is ignored: a client cannot pick a fresh address.
    host =
        fixture.createFromTemplate(TenantFixture.subdomain("unproxied")).subdomain() + ".localhost";
    for (int i = 0; i < PER_ADDRESS; i++) {
      app.postFrom(
          "127.0.6.1",
          host,
          "/api/auth/login",
          unknownLogin(),
          Map.of("X-Forwarded-For", "198.51.100." + (20 + i)));
    }
    RouterApp.Response ignored =
        app.postFrom(
            "127.0.6.1",
            host,
            "/api/auth/login",
            unknownLogin(),
            Map.of("X-Forwarded-For", "198.51.100.99"));
    for (int extra = 0; extra < 2 && ignored.status() == 401; extra++) {
      ignored =
          app.postFrom(
              "127.0.6.1",
              host,
              "/api/auth/login",
              unknownLogin(),
              Map.of("X-Forwarded-For", "198.51.100.9" + extra));
    }
    assertThat(ignored.status()).isEqualTo(429);
  }

  private static Map<String, String> unknownLogin() {
    return Map.of("email", unknownEmail(), "password", "wrong password");
  }

  private static String setPassword(TenantFixture.TestTenant t) {
    String password = "correct horse battery " + t.subdomain();
    RouterApp.Response set =
        app.postFrom(
            "127.0.2." + (100 + Math.floorMod(t.subdomain().hashCode(), 100)),
            t.subdomain() + ".localhost",
            "/api/auth/set-password",
            Map.of("token", t.adminSetPasswordToken(), "password", password));
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    return password;
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
      // The waits differ by the time between the two attempts (a BCrypt check on a busy machine
      // may take more than a second), so whole seconds may differ by one.
      assertThat(k.body().replaceAll("in \\d+ s", "in N s"))
          .isEqualTo(u.body().replaceAll("in \\d+ s", "in N s"));
      if (i == 3) {
        assertThat(Integer.parseInt(k.header("Retry-After")))
            .isCloseTo(
                Integer.parseInt(u.header("Retry-After")), org.assertj.core.data.Offset.offset(1));
      } else {
        assertThat(k.header("Retry-After")).isNull();
        assertThat(u.header("Retry-After")).isNull();
      }
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
