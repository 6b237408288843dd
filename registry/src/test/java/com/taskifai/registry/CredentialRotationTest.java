package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rotation covers staged secrets too, and says which old keys are still needed: by a value it could
 * not move, or by a verification link in flight.
 */
class CredentialRotationTest {
  private final TestPostgres.Platform db = TestPostgres.platform();
  private final TenantRegistry registry = new TenantRegistry(db.platform());
  private final JdbcClient jdbc = JdbcClient.create(db.platform());
  private final String k1 = KeyRing.newKeyEntry("k1");
  private final String k2 = KeyRing.newKeyEntry("k2");
  private final CredentialCipher old = new CredentialCipher(KeyRing.parse(k1));
  private final CredentialCipher rotated = new CredentialCipher(KeyRing.parse(k2 + "," + k1));

  private Tenant tenant(String subdomain) {
    return registry.reserve(
        new TenantRegistry.Reservation(
            UUID.randomUUID(), subdomain, "Acme Inc", "admin@acme.test", "local"));
  }

  private void stage(UUID tenantId, String name, String ciphertext) {
    jdbc.sql("INSERT INTO tenant_secrets (tenant_id, name, ciphertext) VALUES (:t, :n, :c)")
        .param("t", tenantId)
        .param("n", name)
        .param("c", ciphertext)
        .update();
  }

  private String staged(UUID tenantId, String name) {
    return jdbc.sql("SELECT ciphertext FROM tenant_secrets WHERE tenant_id = :t AND name = :n")
        .param("t", tenantId)
        .param("n", name)
        .query(String.class)
        .single();
  }

  @Test
  void movesStagedSecretsToTheNewestKey() {
    Tenant t = tenant("staged-rot");
    String context = CredentialRotation.stagedSecretContext(t.tenantId(), "app_password");
    stage(t.tenantId(), "app_password", old.encrypt("pw-in-flight", context));

    CredentialRotation.Report report =
        new CredentialRotation(db.platform(), rotated).rotate(Instant.now());

    assertThat(report.reencrypted()).isEqualTo(1);
    assertThat(report.failures()).isEmpty();
    String after = staged(t.tenantId(), "app_password");
    assertThat(CredentialCipher.keyIdOf(after)).isEqualTo("k2");
    assertThat(rotated.decrypt(after, context)).isEqualTo("pw-in-flight");
    assertThat(report.removable("k1")).isTrue();
    assertThat(report.removable("k2")).isFalse(); // the newest key always stays
  }

  private String trialPassword(String serverId) {
    return jdbc.sql("SELECT app_password FROM trial_databases WHERE server_id = :s")
        .param("s", serverId)
        .query(String.class)
        .single();
  }

  private void trialDatabase(String serverId, CredentialCipher cipher, String password) {
    // The server's own admin password is under the newest key already: only the trial's moves.
    new DatabaseServers(db.platform())
        .upsert(rotated, serverId, "local", TestPostgres.jdbcUrl("postgres"), "postgres", "pw", 10);
    jdbc.sql(
            "INSERT INTO trial_databases (server_id, database_name, owner_role, app_role,"
                + " app_password) VALUES (:s, 'trial_shared', 'trial_owner', 'trial_app', :p)")
        .param("s", serverId)
        .param("p", cipher.encrypt(password, CredentialRotation.trialPasswordContext(serverId)))
        .update();
  }

  @Test
  void movesTheSharedTrialDatabasesAppPasswordAndReportsOneItCannotMove() {
    trialDatabase("trial-rot", old, "trial-app-pw");
    CredentialCipher unknown = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k0")));
    trialDatabase("trial-lost", unknown, "lost-pw");
    String lost = trialPassword("trial-lost");

    CredentialRotation.Report report =
        new CredentialRotation(db.platform(), rotated).rotate(Instant.now());

    assertThat(report.reencrypted()).isEqualTo(1);
    String after = trialPassword("trial-rot");
    assertThat(CredentialCipher.keyIdOf(after)).isEqualTo("k2");
    assertThat(rotated.decrypt(after, CredentialRotation.trialPasswordContext("trial-rot")))
        .isEqualTo("trial-app-pw");
    assertThat(report.removable("k1")).isTrue();
    assertThat(report.failures())
        .singleElement()
        .asString()
        .contains("shared trial database of server trial-lost")
        .contains("k0")
        .doesNotContain("lost-pw");
    assertThat(report.stillUsed()).containsKey("k0");
    assertThat(trialPassword("trial-lost")).isEqualTo(lost);
    // A second run finds nothing left to move.
    assertThat(new CredentialRotation(db.platform(), rotated).rotate(Instant.now()).reencrypted())
        .isZero();
  }

  @Test
  void reportsAVerificationLinkInFlightAsUsingItsKeyUntilTheTenantIsVerified() {
    Tenant waiting = tenant("link-rot");
    registry.setStatus(waiting.tenantId(), TenantStatus.AWAITING_VERIFICATION);
    Instant expires = Instant.now().plus(Duration.ofDays(7));
    String token = VerificationTokens.of(old).issue(waiting.tenantId(), expires);
    new VerificationLinks(db.platform())
        .record(waiting.tenantId(), VerificationTokens.keyIdOf(token).orElseThrow(), expires);
    Tenant expired = tenant("link-old");
    registry.setStatus(expired.tenantId(), TenantStatus.AWAITING_VERIFICATION);
    new VerificationLinks(db.platform())
        .record(expired.tenantId(), "k1", Instant.now().minusSeconds(60));

    CredentialRotation.Report report =
        new CredentialRotation(db.platform(), rotated).rotate(Instant.now());

    assertThat(report.removable("k1")).isFalse();
    assertThat(report.stillUsed().get("k1"))
        .singleElement()
        .asString()
        .contains("verification link of tenant " + waiting.tenantId());

    registry.markVerified(waiting.tenantId());
    assertThat(new CredentialRotation(db.platform(), rotated).rotate(Instant.now()).removable("k1"))
        .isTrue();
  }

  @Test
  void reportsAValueItCannotMoveAndKeepsItsKeyInUse() {
    Tenant t = tenant("lost-key");
    CredentialCipher unknown = new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k0")));
    String context = CredentialRotation.stagedSecretContext(t.tenantId(), "app_password");
    String sealed = unknown.encrypt("pw", context);
    stage(t.tenantId(), "app_password", sealed);

    CredentialRotation.Report report =
        new CredentialRotation(db.platform(), rotated).rotate(Instant.now());

    assertThat(report.failures())
        .singleElement()
        .asString()
        .contains("staged secret 'app_password' of tenant " + t.tenantId())
        .contains("k0")
        .doesNotContain("pw\"");
    assertThat(report.stillUsed()).containsKey("k0");
    assertThat(staged(t.tenantId(), "app_password")).isEqualTo(sealed);
  }

  @Test
  void skipsATenantAnotherOperationHoldsAndKeepsItsKeyNeededUntilARunAfterIt() {
    Tenant t = tenant("busy-rot");
    String context = CredentialRotation.stagedSecretContext(t.tenantId(), "app_password");
    String sealed = old.encrypt("pw-busy", context);
    stage(t.tenantId(), "app_password", sealed);
    TenantOperations operations = registry.operations();
    assertThat(operations.claim(t.tenantId(), TenantOperationKind.MOVING, "move:b:1")).isEmpty();

    CredentialRotation.Report busy =
        new CredentialRotation(db.platform(), rotated).rotate(Instant.now());

    assertThat(staged(t.tenantId(), "app_password")).isEqualTo(sealed);
    assertThat(busy.removable("k1")).isFalse();
    assertThat(busy.stillUsed().get("k1"))
        .anySatisfy(
            where ->
                assertThat(where)
                    .contains("tenant " + t.tenantId())
                    .contains("busy with MOVING move:b:1")
                    .contains("run rotate-keys again"));
    // The move still holds the tenant: rotation took nothing from it.
    assertThat(operations.current(t.tenantId()))
        .contains(new TenantOperations.Held("MOVING", "move:b:1"));

    operations.release(t.tenantId(), "move:b:1");
    new CredentialRotation(db.platform(), rotated).rotate(Instant.now());
    assertThat(CredentialCipher.keyIdOf(staged(t.tenantId(), "app_password"))).isEqualTo("k2");
    assertThat(operations.current(t.tenantId())).isEmpty();
  }
}
