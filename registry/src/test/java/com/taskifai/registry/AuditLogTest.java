package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuditLogTest {
  private static TestPostgres.Platform db;
  private static AuditLog audit;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    audit = new AuditLog(db.platform());
  }

  @Test
  void appendsAndFiltersByTenantActorActionAndTime() {
    UUID tenant = UUID.randomUUID();
    Instant before = Instant.now().minusSeconds(1);
    audit.append(tenant, "admin@x.test", "provision", "create_database", "started", Map.of());
    audit.append(
        tenant, "admin@x.test", "provision", "create_database", "succeeded", Map.of("ms", 12));
    audit.append(UUID.randomUUID(), "other", "suspend", null, "succeeded", null);

    var rows = audit.query(AuditLog.Query.forTenant(tenant));
    assertThat(rows).extracting(AuditLog.Entry::outcome).containsExactly("started", "succeeded");
    assertThat(rows.get(1).detailJson()).contains("\"ms\"");
    assertThat(audit.query(new AuditLog.Query(null, "other", "suspend", before, null, 10)))
        .hasSize(1);
    assertThat(
            audit.query(
                new AuditLog.Query(tenant, null, null, Instant.now().plusSeconds(60), null, 10)))
        .isEmpty();
  }

  @Test
  void thePlatformRoleCannotUpdateDeleteOrTruncateTheAuditLog() {
    long id =
        audit.append(
            UUID.randomUUID(), "admin", "provision", "reserve_tenant", "succeeded", Map.of());
    assertThatThrownBy(
            () ->
                TestPostgres.execute(
                    db.platform(), "UPDATE audit_log SET outcome = 'x' WHERE id = " + id))
        .hasMessageContaining("permission denied");
    assertThatThrownBy(
            () -> TestPostgres.execute(db.platform(), "DELETE FROM audit_log WHERE id = " + id))
        .hasMessageContaining("permission denied");
    assertThatThrownBy(() -> TestPostgres.execute(db.platform(), "TRUNCATE audit_log"))
        .hasMessageContaining("permission denied");
    assertThat(audit.query(new AuditLog.Query(null, null, null, null, null, 10_000)))
        .extracting(AuditLog.Entry::id)
        .contains(id);
  }

  @Test
  void evenTheOwnerCannotRewriteHistory() {
    long id =
        audit.append(
            UUID.randomUUID(), "admin", "provision", "reserve_tenant", "succeeded", Map.of());
    assertThatThrownBy(
            () ->
                TestPostgres.execute(
                    db.owner(), "UPDATE audit_log SET outcome = 'x' WHERE id = " + id))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> TestPostgres.execute(db.owner(), "DELETE FROM audit_log"))
        .hasMessageContaining("append-only");
  }

  @Test
  void thePlatformRoleIsNotASuperuser() {
    Boolean superuser =
        org.springframework.jdbc.core.simple.JdbcClient.create(db.platform())
            .sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .query(Boolean.class)
            .single();
    assertThat(superuser).isFalse();
  }

  @Test
  void meanStepMillisTimesEachStepFromItsStartToItsSuccessInTheOrderTheStepsStarted()
      throws Exception {
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    for (UUID t : List.of(first, second)) {
      audit.append(t, "w", "provision", "reserve_tenant", "started", null);
      Thread.sleep(5);
      audit.append(t, "w", "provision", "reserve_tenant", "succeeded", null);
      audit.append(t, "w", "provision", "create_database", "started", null);
      Thread.sleep(20);
      audit.append(t, "w", "provision", "create_database", "succeeded", null);
      // Started and never succeeded: not timed.
      audit.append(t, "w", "provision", "send_welcome_email", "started", null);
    }
    // Another action of the same tenant and another tenant's steps do not count.
    audit.append(first, "w", "backup", "dump_database", "started", null);
    audit.append(first, "w", "backup", "dump_database", "succeeded", null);
    UUID other = UUID.randomUUID();
    audit.append(other, "w", "provision", "configure_dns", "started", null);
    audit.append(other, "w", "provision", "configure_dns", "succeeded", null);

    Map<String, Double> means = audit.meanStepMillis("provision", List.of(first, second));
    assertThat(means.keySet()).containsExactly("reserve_tenant", "create_database");
    assertThat(means.get("reserve_tenant")).isGreaterThanOrEqualTo(5.0);
    assertThat(means.get("create_database")).isGreaterThanOrEqualTo(20.0);
    assertThat(audit.meanStepMillis("provision", List.of())).isEmpty();
  }
}
