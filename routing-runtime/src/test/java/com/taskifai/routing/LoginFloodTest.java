package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.routing.auth.TenantTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * A login flood on eight tenants whose pools together may fill the global connection cap, with the
 * rate limits set out of the way: BCrypt runs with no connection held, so the flooded pools stay
 * idle nearly all the time and a ninth tenant keeps being served.
 */
class LoginFloodTest {
  static final int FLOODED = 8;
  static final int THREADS_PER_TENANT = 2;

  static TenantFixture fixture;
  static RouterApp app;
  static List<TenantFixture.TestTenant> flooded = new ArrayList<>();
  static TenantFixture.TestTenant ninth;

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    for (int i = 0; i < FLOODED; i++) {
      flooded.add(fixture.createFromTemplate(TenantFixture.subdomain("flood" + i)));
    }
    ninth = fixture.createFromTemplate(TenantFixture.subdomain("ninth"));
    app =
        new RouterApp(
            fixture,
            Map.of(
                "taskifai.pool.max-per-tenant", "2",
                "taskifai.pool.global-cap", "16",
                "taskifai.pool.connection-timeout", "PT0.5S",
                "taskifai.auth.rate.per-address", "1000000",
                "taskifai.auth.rate.per-tenant", "1000000"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void aLoginFloodOnEightTenantsLeavesANinthTenantAnswering() throws Exception {
    String token =
        app.bean(TenantTokens.class).issue(ninth.id(), ninth.adminId(), "admin", Instant.now());
    String ninthHost = ninth.subdomain() + ".localhost";
    assertThat(app.get(ninthHost, "/api/me", token).status()).isEqualTo(200);

    long floodEnds = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    ConcurrentMap<Integer, AtomicInteger> floodStatuses = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(FLOODED * THREADS_PER_TENANT);
    try {
      for (TenantFixture.TestTenant t : flooded) {
        for (int i = 0; i < THREADS_PER_TENANT; i++) {
          pool.execute(
              () -> {
                // Unknown e-mails: each costs a BCrypt check, and none backs off another.
                for (int n = 0; n < 200 && System.nanoTime() < floodEnds; n++) {
                  int status =
                      app.post(
                              t.subdomain() + ".localhost",
                              "/api/auth/login",
                              null,
                              Map.of(
                                  "email",
                                  "x" + UUID.randomUUID() + "@flood.test",
                                  "password",
                                  "wrong password"))
                          .status();
                  floodStatuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                }
              });
        }
      }
      Thread.sleep(500);
      List<Integer> ninthStatuses = new ArrayList<>();
      for (int n = 0; n < 100 && System.nanoTime() < floodEnds; n++) {
        ninthStatuses.add(app.get(ninthHost, "/api/me", token).status());
        Thread.sleep(50);
      }
      assertThat(ninthStatuses).hasSizeGreaterThan(4).containsOnly(200);
    } finally {
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(floodStatuses.get(401)).as(floodStatuses.toString()).isNotNull();
    assertThat(floodStatuses.get(401).get()).isGreaterThan(FLOODED);
  }
}
