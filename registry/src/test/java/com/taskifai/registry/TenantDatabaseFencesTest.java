package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fence orders a tenant's database creation and its undo through the platform database. */
class TenantDatabaseFencesTest {
  private static TestPostgres.Platform db;
  private static TenantRegistry registry;
  private static TenantDatabaseFences fences;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    registry = new TenantRegistry(db.platform());
    fences = new TenantDatabaseFences(db.platform());
  }

  private static UUID tenant(String subdomain) {
    return registry
        .reserve(
            new TenantRegistry.Reservation(
                UUID.randomUUID(), subdomain, "Acme Inc", "admin@acme.test", "local"))
        .tenantId();
  }

  @Test
  void aCreateAfterTheDropMarkRunsNoWorkUntilTheFenceIsReopened() throws Exception {
    UUID tenantId = tenant("fenced");
    AtomicInteger runs = new AtomicInteger();
    assertThat(fences.whileCreating(tenantId, runs::incrementAndGet)).isTrue();
    fences.markDropped(tenantId);
    fences.markDropped(tenantId); // a second mark keeps the first
    assertThat(fences.whileCreating(tenantId, runs::incrementAndGet)).isFalse();
    assertThat(runs).hasValue(1);
    fences.reopen(tenantId);
    assertThat(fences.whileCreating(tenantId, runs::incrementAndGet)).isTrue();
    assertThat(runs).hasValue(2);
  }

  @Test
  void theDropMarkWaitsForARunningCreateAndThenRefusesTheNextOne() throws Exception {
    UUID tenantId = tenant("racing");
    // A fence row committed by an earlier attempt: only the create's row lock holds the mark back.
    assertThat(fences.whileCreating(tenantId, () -> {})).isTrue();
    CountDownLatch creating = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    CompletableFuture<Boolean> create =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return fences.whileCreating(
                    tenantId,
                    () -> {
                      creating.countDown();
                      try {
                        finish.await(10, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    });
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(creating.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> mark =
        CompletableFuture.runAsync(
            () -> {
              try {
                fences.markDropped(tenantId);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(300);
    assertThat(mark).isNotDone();
    finish.countDown();
    assertThat(create.get(10, TimeUnit.SECONDS)).isTrue();
    mark.get(10, TimeUnit.SECONDS);
    assertThat(fences.whileCreating(tenantId, () -> {})).isFalse();
  }
}
