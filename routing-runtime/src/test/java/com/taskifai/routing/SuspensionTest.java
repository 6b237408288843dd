package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.tenancy.TenantChangeListener;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SuspensionTest {
  static RouterApp app;
  static TenantFixture fixture;

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
  }

  @Test
  void aSuspensionReachesTheRouterInUnderASecondAndAReactivationToo() {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("susp"));
    String host = t.subdomain() + ".localhost";
    String token = app.signInAdmin(t);
    assertThat(app.get(host, "/api/me", token).status()).isEqualTo(200);

    fixture.registry.setStatus(t.id(), TenantStatus.SUSPENDED);
    Duration seen = timeUntilStatus(host, token, 403);
    assertThat(seen).isLessThan(Duration.ofSeconds(1));
    RouterApp.Response suspended = app.get(host, "/api/me", token);
    RouterApp.Response unknown = app.get("nobody-here.localhost", "/api/me", token);
    // The same answer for a suspended and an unknown tenant: names cannot be probed.
    assertThat(suspended.status()).isEqualTo(unknown.status());
    assertThat(suspended.body()).isEqualTo(unknown.body());

    fixture.registry.setStatus(t.id(), TenantStatus.ACTIVE);
    assertThat(timeUntilStatus(host, token, 200)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void theListenerReconnectsAfterLosingItsConnectionAndStillHearsChanges() throws Exception {
    TenantFixture.TestTenant t = fixture.createFromTemplate(TenantFixture.subdomain("relisten"));
    String host = t.subdomain() + ".localhost";
    String token = app.signInAdmin(t);
    assertThat(app.get(host, "/api/me", token).status()).isEqualTo(200);
    TenantChangeListener listener = app.bean(TenantChangeListener.class);
    assertThat(listener.isListening()).isTrue();

    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE application_name = 'taskifai-router-listener'");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Thread.sleep(200);
    while (!listener.isListening() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(listener.isListening()).isTrue();

    fixture.registry.setStatus(t.id(), TenantStatus.SUSPENDED);
    assertThat(timeUntilStatus(host, token, 403)).isLessThan(Duration.ofSeconds(1));
  }

  private static Duration timeUntilStatus(String host, String token, int status) {
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      if (app.get(host, "/api/me", token).status() == status) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
    }
    return Duration.ofSeconds(5);
  }
}
