package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile sell-out files from two tenants at once, under a small connection cap, while a third
 * tenant keeps working: each is refused quickly, naming its line, and parsing holds no connection.
 */
class HostileUploadTest {
  static RouterApp app;
  static TenantFixture.TestTenant a;
  static TenantFixture.TestTenant b;
  static TenantFixture.TestTenant c;

  @BeforeAll
  static void start() {
    TenantFixture fixture = SharedRouter.fixture();
    a = fixture.createFromTemplate(TenantFixture.subdomain("hostile-a"));
    b = fixture.createFromTemplate(TenantFixture.subdomain("hostile-b"));
    c = fixture.createFromTemplate(TenantFixture.subdomain("bystander"));
    app =
        new RouterApp(
            fixture,
            Map.of(
                "taskifai.pool.max-per-tenant", "2",
                "taskifai.pool.global-cap", "4",
                "taskifai.pool.connection-timeout", "PT0.5S",
                "TASKIFAI_UPLOAD_MAX_BYTES", "5MB"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  /** A header and one line of nearly 5 MB: a letter, then nothing but quote characters. */
  static byte[] lineOfQuotes() {
    byte[] head =
        "order_month,product_code,product_name,units,net_revenue,currency,country\nx"
            .getBytes(StandardCharsets.UTF_8);
    byte[] file = new byte[5 * 1024 * 1024 - 1024];
    Arrays.fill(file, (byte) '"');
    System.arraycopy(head, 0, file, 0, head.length);
    return file;
  }

  @Test
  void linesOfQuotesAreRefusedQuicklyWhileAnotherTenantKeepsAnswering() throws Exception {
    byte[] file = lineOfQuotes();
    String bystander = app.adminToken(c);
    assertThat(app.get(c.subdomain() + ".localhost", "/api/me", bystander).status()).isEqualTo(200);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<RouterApp.Response>> uploads = new ArrayList<>();
    long started = System.nanoTime();
    try {
      for (TenantFixture.TestTenant t : List.of(a, b, a, b)) {
        String token = app.adminToken(t);
        uploads.add(
            pool.submit(
                () ->
                    app.upload(
                        t.subdomain() + ".localhost",
                        "/api/sellout/uploads",
                        token,
                        Map.of("vendor", "vendor-b-online-eu"),
                        "quotes.csv",
                        file)));
      }
      List<Integer> seen = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (uploads.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() < deadline) {
        seen.add(app.get(c.subdomain() + ".localhost", "/api/me", bystander).status());
        Thread.sleep(20);
      }
      assertThat(seen).isNotEmpty().containsOnly(200);
      for (Future<RouterApp.Response> f : uploads) {
        RouterApp.Response r = f.get(1, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.json().get("error").asString()).isEqualTo("invalid_rows");
        assertThat(r.json().get("details").get(0).get("line").asInt()).isEqualTo(2);
        assertThat(r.json().get("message").asString()).startsWith("line 2 ");
      }
      // Four 5 MB uploads over loopback and their refusals, on a shared two-core machine.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFileOverTheLimitIsRefusedWith413() {
    byte[] big = new byte[5 * 1024 * 1024 + 10];
    Arrays.fill(big, (byte) 'x');
    RouterApp.Response r =
        app.upload(
            a.subdomain() + ".localhost",
            "/api/sellout/uploads",
            app.adminToken(a),
            Map.of("vendor", "vendor-b-online-eu"),
            "big.csv",
            big);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().get("error").asString()).isEqualTo("too_large");
  }
}
