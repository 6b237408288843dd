package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class TenantRegistryTest {
  private static TestPostgres.Platform db;
  private static TenantRegistry registry;

  @BeforeAll
  static void platform() {
    db = TestPostgres.platform();
    registry = new TenantRegistry(db.platform());
  }

  private static TenantRegistry.Reservation reservation(String subdomain) {
    return new TenantRegistry.Reservation(
        UUID.randomUUID(), subdomain, "Acme Inc", "admin@acme.test", "local");
  }

  @Test
  void reservingTwiceWithTheSameTenantIdReturnsTheSameRow() {
    var r = reservation("twice");
    Tenant first = registry.reserve(r);
    Tenant second = registry.reserve(r);
    assertThat(second.tenantId()).isEqualTo(first.tenantId());
    assertThat(second.status()).isEqualTo(TenantStatus.PROVISIONING);
    assertThat(second.active()).isFalse();
    assertThat(registry.count(null, "twice")).isEqualTo(1);
  }

  @Test
  void refusesASubdomainHeldByAnotherLiveTenantAndNamesTheHolder() {
    Tenant holder = registry.reserve(reservation("taken"));
    assertThatThrownBy(() -> registry.reserve(reservation("taken")))
        .isInstanceOf(SubdomainTakenException.class)
        .satisfies(
            e ->
                assertThat(((SubdomainTakenException) e).existingTenantId())
                    .isEqualTo(holder.tenantId()));
  }

  @Test
  void aFailedOrDeletedTenantFreesItsSubdomain() {
    Tenant failed = registry.reserve(reservation("freed"));
    registry.setStatus(failed.tenantId(), TenantStatus.FAILED);
    Tenant next = registry.reserve(reservation("freed"));
    assertThat(next.tenantId()).isNotEqualTo(failed.tenantId());
    assertThat(registry.findLiveBySubdomain("freed"))
        .map(Tenant::tenantId)
        .contains(next.tenantId());
  }

  @Test
  void statusColumnsMoveTogether() {
    Tenant t = registry.reserve(reservation("lifecycle"));
    registry.setStatus(t.tenantId(), TenantStatus.ACTIVE);
    Tenant active = registry.findById(t.tenantId()).orElseThrow();
    assertThat(active.active()).isTrue();
    assertThat(active.activatedAt()).isNotNull();

    registry.setStatus(t.tenantId(), TenantStatus.SUSPENDED);
    Tenant suspended = registry.findById(t.tenantId()).orElseThrow();
    assertThat(suspended.active()).isFalse();
    assertThat(suspended.suspendedAt()).isNotNull();
    assertThat(suspended.servesTraffic()).isFalse();
  }

  @Test
  void transitionOnlyMovesFromTheAllowedStatuses() {
    Tenant t = registry.reserve(reservation("guarded"));
    assertThat(
            registry.transition(
                t.tenantId(), EnumSet.of(TenantStatus.ACTIVE), TenantStatus.SUSPENDED))
        .isFalse();
    assertThat(registry.findById(t.tenantId()).orElseThrow().status())
        .isEqualTo(TenantStatus.PROVISIONING);
    assertThat(
            registry.transition(
                t.tenantId(),
                EnumSet.of(TenantStatus.PROVISIONING),
                TenantStatus.AWAITING_VERIFICATION))
        .isTrue();
    // Already there counts as done, so a retried activity succeeds.
    assertThat(
            registry.transition(
                t.tenantId(),
                EnumSet.of(TenantStatus.PROVISIONING),
                TenantStatus.AWAITING_VERIFICATION))
        .isTrue();
  }

  @Test
  void theDatabaseRefusesAnActiveFlagOnATenantThatIsNotActive() {
    Tenant t = registry.reserve(reservation("inconsistent"));
    assertThatThrownBy(
            () ->
                TestPostgres.execute(
                    db.owner(),
                    "UPDATE tenants SET is_active = true WHERE tenant_id = '" + t.tenantId() + "'"))
        .hasMessageContaining("active_only_when_active");
  }

  @Test
  void everyChangeOfATenantNotifiesListeners() throws Exception {
    try (Connection listener = db.platform().getConnection();
        Statement st = listener.createStatement()) {
      st.execute("LISTEN tenant_changed");
      Tenant t = registry.reserve(reservation("notified"));
      registry.setStatus(t.tenantId(), TenantStatus.SUSPENDED);
      registry.eraseCredentials(t.tenantId());

      List<String> payloads = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 5_000;
      while (payloads.size() < 3 && System.currentTimeMillis() < deadline) {
        PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(500);
        if (got != null) {
          for (PGNotification n : got) {
            if (n.getName().equals("tenant_changed")) {
              payloads.add(n.getParameter());
            }
          }
        }
      }
      assertThat(payloads).hasSize(3).containsOnly(t.tenantId().toString());
    }
  }

  @Test
  void storesOnlyCiphertextAndDecryptsItForTheSameTenantOnly() {
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k1")));
    Tenant a = registry.reserve(reservation("cipher-a"));
    Tenant b = registry.reserve(reservation("cipher-b"));
    var creds =
        new TenantCredentials("jdbc:postgresql://127.0.0.1/tenant_a", "t_a_app", "pw-123456");
    registry.storeCredentials(a.tenantId(), creds.encrypt(cipher, a.tenantId()));

    Tenant stored = registry.findById(a.tenantId()).orElseThrow();
    assertThat(stored.encryptedDatabaseKey()).doesNotContain("pw-123456");
    assertThat(stored.encryptedDatabaseUrl()).doesNotContain("tenant_a");
    assertThat(TenantCredentials.decrypt(cipher, stored)).isEqualTo(creds);
    assertThat(creds.toString()).doesNotContain("pw-123456");

    // A row whose ciphertext was copied from tenant A does not decrypt for tenant B.
    registry.storeCredentials(b.tenantId(), creds.encrypt(cipher, a.tenantId()));
    Tenant copied = registry.findById(b.tenantId()).orElseThrow();
    assertThatThrownBy(() -> TenantCredentials.decrypt(cipher, copied))
        .hasMessageContaining("another tenant");

    registry.eraseCredentials(a.tenantId());
    registry.eraseCredentials(a.tenantId());
    assertThat(registry.findById(a.tenantId()).orElseThrow().hasCredentials()).isFalse();
  }

  @Test
  void rotationMovesEveryCiphertextToTheNewestKey() {
    // Rotation covers the whole registry, so it gets a registry of its own.
    var db = TestPostgres.platform();
    var registry = new TenantRegistry(db.platform());
    String k1 = KeyRing.newKeyEntry("r1");
    CredentialCipher old = new CredentialCipher(KeyRing.parse(k1));
    Tenant t = registry.reserve(reservation("rotated"));
    var creds = new TenantCredentials("jdbc:postgresql://127.0.0.1/x", "u", "p");
    registry.storeCredentials(t.tenantId(), creds.encrypt(old, t.tenantId()));
    new DatabaseServers(db.platform())
        .upsert(
            old,
            "rotation-server",
            "local",
            "jdbc:postgresql://127.0.0.1/postgres",
            "postgres",
            "admin-pw",
            10);

    java.util.UUID adminId = java.util.UUID.randomUUID();
    TestPostgres.execute(
        db.owner(),
        "INSERT INTO platform_admins (id, email, password_hash, totp_secret) VALUES ('"
            + adminId
            + "', 'a@b.test', 'x', '"
            + old.encrypt("JBSWY3DPEHPK3PXP", "platform_admin:" + adminId + ":totp")
            + "')");
    CredentialCipher rotated =
        new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("r2") + "," + k1));
    int changed = new CredentialRotation(db.platform(), rotated).reencryptAll();
    assertThat(changed).isEqualTo(4);
    assertThat(new CredentialRotation(db.platform(), rotated).reencryptAll()).isZero();

    Tenant after = registry.findById(t.tenantId()).orElseThrow();
    assertThat(CredentialCipher.keyIdOf(after.encryptedDatabaseKey())).isEqualTo("r2");
    assertThat(TenantCredentials.decrypt(rotated, after)).isEqualTo(creds);
    var server = new DatabaseServers(db.platform()).find("rotation-server").orElseThrow();
    assertThat(CredentialCipher.keyIdOf(server.encryptedAdminPassword())).isEqualTo("r2");
    assertThat(server.adminPassword(rotated)).isEqualTo("admin-pw");
    String totp =
        org.springframework.jdbc.core.simple.JdbcClient.create(db.owner())
            .sql("SELECT totp_secret FROM platform_admins WHERE id = :id")
            .param("id", adminId)
            .query(String.class)
            .single();
    assertThat(CredentialCipher.keyIdOf(totp)).isEqualTo("r2");
    assertThat(rotated.decrypt(totp, "platform_admin:" + adminId + ":totp"))
        .isEqualTo("JBSWY3DPEHPK3PXP");
  }

  @Test
  void listsFiltersAndCountsByStatus() {
    Tenant t = registry.reserve(reservation("listed-one"));
    registry.setStatus(t.tenantId(), TenantStatus.ROLLBACK_FAILED);
    assertThat(registry.list(TenantStatus.ROLLBACK_FAILED, "listed", 0, 10))
        .extracting(Tenant::subdomain)
        .containsExactly("listed-one");
    assertThat(registry.countByStatus().get(TenantStatus.ROLLBACK_FAILED))
        .isGreaterThanOrEqualTo(1);
    assertThat(registry.countByStatus()).containsKeys(TenantStatus.values());
    // LIKE wildcards in a search are taken literally.
    assertThat(registry.list(null, "%", 0, 10)).isEmpty();
  }
}
