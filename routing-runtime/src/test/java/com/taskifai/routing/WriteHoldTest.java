package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.TenantOperations;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * While an operation holds a tenant's writes (the swap window of a restore) its writes answer 503
 * with Retry-After, its reads keep working, and another tenant is untouched; once released, writes
 * work again.
 */
class WriteHoldTest {
  static RouterApp app;
  static TenantFixture fixture;

  @BeforeAll
  static void start() {
    fixture = SharedRouter.fixture();
    app = SharedRouter.app();
  }

  @Test
  void heldWritesAnswer503WithRetryAfterOnlyForThatTenantAndOnlyWhileHeld() throws Exception {
    TenantFixture.TestTenant a = fixture.createFromTemplate(TenantFixture.subdomain("hold"));
    TenantFixture.TestTenant b = fixture.createFromTemplate(TenantFixture.subdomain("free"));
    String hostA = a.subdomain() + ".localhost";
    String hostB = b.subdomain() + ".localhost";
    String tokenA = app.signInAdmin(a);
    String tokenB = app.signInAdmin(b);
    TenantOperations ops = new TenantOperations(fixture.platform.platform());

    assertThat(ops.claim(a.id(), "RESTORING", "restore:t1")).isEmpty();
    assertThat(ops.claim(a.id(), "BACKING_UP", "backup:t2")).isPresent();
    // Claimed but not held: writes still work.
    assertThat(
            app.post(hostA, "/api/products", tokenA, Map.of("sku", "H-0", "name", "Before"))
                .status())
        .isEqualTo(201);

    assertThat(ops.holdWrites(a.id(), "restore:t1", true)).isTrue();
    RouterApp.Response held = waitForStatus(hostA, tokenA, 503);
    assertThat(held.status()).isEqualTo(503);
    assertThat(held.header("Retry-After")).isNotBlank();
    assertThat(app.get(hostA, "/api/products", tokenA).status()).isEqualTo(200);
    assertThat(
            app.post(hostB, "/api/products", tokenB, Map.of("sku", "F-1", "name", "Free")).status())
        .isEqualTo(201);

    ops.release(a.id(), "restore:t1");
    assertThat(waitForStatus(hostA, tokenA, 201).status()).isEqualTo(201);
  }

  private static RouterApp.Response waitForStatus(String host, String token, int status)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    RouterApp.Response r = null;
    int i = 0;
    while (System.nanoTime() < deadline) {
      r = app.post(host, "/api/products", token, Map.of("sku", "W-" + i++, "name", "Write"));
      if (r.status() == status) {
        return r;
      }
      Thread.sleep(20);
    }
    return r;
  }
}
