package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The provisioning outbox on real PostgreSQL: the row and its start request both, or neither. */
class ProvisioningStartsTest {
  private static TestPostgres.Platform db;
  private static TenantRegistry registry;
  private static ProvisioningStarts starts;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    registry = new TenantRegistry(db.platform());
    starts = new ProvisioningStarts(db.platform());
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static TenantRegistry.Reservation reservation(String subdomain) {
    return new TenantRegistry.Reservation(
        UUID.randomUUID(), subdomain, "Acme Inc", "admin@acme.test", "local");
  }

  private static final ProvisioningStarts.Start START =
      new ProvisioningStarts.Start(
          "ops@taskifai.test", Duration.ofDays(7), "postgres", "trial", "create_database");

  private static long requests(UUID tenantId) {
    return JdbcClient.create(db.owner())
        .sql("SELECT count(*) FROM provisioning_starts WHERE tenant_id = :id")
        .param("id", tenantId)
        .query(Long.class)
        .single();
  }

  @Test
  void theRowAndItsRequestGoInTogetherAndTheRequestKeepsTheWorkflowsInput() {
    var r = reservation(unique("both"));
    Tenant t = starts.reserve(r, START);
    assertThat(t.status()).isEqualTo(TenantStatus.PROVISIONING);
    assertThat(requests(r.tenantId())).isEqualTo(1);
    // Idempotent for the same tenant.
    assertThat(starts.reserve(r, START).tenantId()).isEqualTo(r.tenantId());
    assertThat(requests(r.tenantId())).isEqualTo(1);

    assertThat(starts.pending(Duration.ZERO, 1000))
        .filteredOn(p -> p.tenantId().equals(r.tenantId()))
        .singleElement()
        .satisfies(p -> assertThat(p.start()).isEqualTo(START));
  }

  @Test
  void aTakenSubdomainInsertsNeitherTheRowNorARequest() {
    String sub = unique("taken");
    Tenant holder = starts.reserve(reservation(sub), START);
    var second = reservation(sub);
    assertThatThrownBy(() -> starts.reserve(second, START))
        .isInstanceOf(SubdomainTakenException.class)
        .satisfies(
            e ->
                assertThat(((SubdomainTakenException) e).existingTenantId())
                    .isEqualTo(holder.tenantId()));
    assertThat(registry.findById(second.tenantId())).isEmpty();
    assertThat(requests(second.tenantId())).isZero();
  }

  @Test
  void releaseFailsTheRowAndDropsTheRequestInOneStatement() {
    var r = reservation(unique("rel"));
    starts.reserve(r, START);
    assertThat(starts.release(r.tenantId())).isTrue();
    assertThat(registry.findById(r.tenantId()).orElseThrow().status())
        .isEqualTo(TenantStatus.FAILED);
    assertThat(requests(r.tenantId())).isZero();
    // A tenant that moved on is not failed by a late release; its request goes all the same.
    var moved = reservation(unique("moved"));
    starts.reserve(moved, START);
    registry.setStatus(moved.tenantId(), TenantStatus.AWAITING_VERIFICATION);
    assertThat(starts.release(moved.tenantId())).isFalse();
    assertThat(registry.findById(moved.tenantId()).orElseThrow().status())
        .isEqualTo(TenantStatus.AWAITING_VERIFICATION);
    assertThat(requests(moved.tenantId())).isZero();
  }

  @Test
  void pendingTakesOnlyRequestsPastTheGraceWhoseTenantStillWaits() {
    var fresh = reservation(unique("fresh"));
    starts.reserve(fresh, START);
    var settled = reservation(unique("settled"));
    starts.reserve(settled, START);
    registry.setStatus(settled.tenantId(), TenantStatus.AWAITING_VERIFICATION);

    assertThat(starts.pending(Duration.ofMinutes(5), 1000))
        .noneMatch(p -> p.tenantId().equals(fresh.tenantId()));
    assertThat(starts.pending(Duration.ZERO, 1000))
        .anyMatch(p -> p.tenantId().equals(fresh.tenantId()))
        .noneMatch(p -> p.tenantId().equals(settled.tenantId()));
    // The settled tenant's request is gone, not only skipped.
    assertThat(requests(settled.tenantId())).isZero();

    starts.attemptFailed(fresh.tenantId(), "temporal_unavailable");
    assertThat(starts.pending(Duration.ZERO, 1000))
        .filteredOn(p -> p.tenantId().equals(fresh.tenantId()))
        .singleElement()
        .satisfies(p -> assertThat(p.attempts()).isEqualTo(1));
    starts.started(fresh.tenantId());
    assertThat(starts.isPending(fresh.tenantId())).isFalse();
  }
}
