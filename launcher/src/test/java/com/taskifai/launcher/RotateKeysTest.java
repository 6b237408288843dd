package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.CredentialRotation;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.VerificationLinks;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code ./taskifai rotate-keys} as a process: it moves staged secrets too, says which key is still
 * needed by what, reports values it cannot move (exit 1), and advises removing a key only when
 * nothing needs it.
 */
class RotateKeysTest {
  private final TestPostgres.Platform db = TestPostgres.platform();
  private final String k1 = KeyRing.newKeyEntry("k1");
  private final String k2 = KeyRing.newKeyEntry("k2");
  private final CredentialCipher old = new CredentialCipher(KeyRing.parse(k1));

  private record Run(int exit, String out) {}

  private Run rotateKeys(Path home, String keys) throws Exception {
    ProcessBuilder b =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                RotateKeys.class.getName())
            .redirectErrorStream(true);
    b.environment().put("TASKIFAI_HOME", home.toString());
    b.environment().put("TASKIFAI_DB_URL", db.jdbcUrl());
    b.environment().put("TASKIFAI_DB_USER", db.role());
    b.environment().put("TASKIFAI_DB_PASSWORD", TestPostgres.PLATFORM_PASSWORD);
    b.environment().put(KeyRing.ENV_KEYS, keys);
    Process p = b.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  private UUID waitingTenant(TenantRegistry registry, String subdomain) {
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(id, subdomain, "Acme", "a@" + subdomain + ".test", "local"));
    registry.setStatus(id, TenantStatus.AWAITING_VERIFICATION);
    return id;
  }

  private void stage(UUID tenantId, CredentialCipher cipher, String plaintext) {
    JdbcClient.create(db.platform())
        .sql("INSERT INTO tenant_secrets (tenant_id, name, ciphertext) VALUES (:t, :n, :c)")
        .param("t", tenantId)
        .param("n", "app_password")
        .param(
            "c",
            cipher.encrypt(
                plaintext, CredentialRotation.stagedSecretContext(tenantId, "app_password")))
        .update();
  }

  @Test
  void movesStagedSecretsAndKeepsAKeyThatAVerificationLinkInFlightNeeds(@TempDir Path home)
      throws Exception {
    TenantRegistry registry = new TenantRegistry(db.platform());
    UUID tenant = waitingTenant(registry, "inflight");
    stage(tenant, old, "app-password");
    new VerificationLinks(db.platform())
        .record(tenant, "k1", Instant.now().plus(Duration.ofDays(7)));

    Run first = rotateKeys(home, k2 + "," + k1);

    assertThat(first.exit()).as(first.out()).isZero();
    assertThat(first.out())
        .contains("1 value(s) re-encrypted under master key 'k2'")
        .contains("key 'k1' is still used")
        .contains("verification link of tenant " + tenant)
        .doesNotContain("may be removed");
    String staged =
        JdbcClient.create(db.platform())
            .sql("SELECT ciphertext FROM tenant_secrets WHERE tenant_id = :t")
            .param("t", tenant)
            .query(String.class)
            .single();
    assertThat(CredentialCipher.keyIdOf(staged)).isEqualTo("k2");

    registry.markVerified(tenant);
    Run second = rotateKeys(home, k2 + "," + k1);
    assertThat(second.out())
        .contains("0 value(s) re-encrypted")
        .contains("key 'k1' is no longer used; it may be removed");
  }

  @Test
  void reportsAValueItCannotMoveAndExitsNonZero(@TempDir Path home) throws Exception {
    TenantRegistry registry = new TenantRegistry(db.platform());
    UUID tenant = waitingTenant(registry, "lostkey");
    stage(tenant, new CredentialCipher(KeyRing.parse(KeyRing.newKeyEntry("k0"))), "secret-pw");

    Run run = rotateKeys(home, k2 + "," + k1);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out())
        .contains("1 value(s) could not be re-encrypted")
        .contains("staged secret 'app_password' of tenant " + tenant)
        .contains("key 'k0' is not in the key ring")
        .contains("key 'k1' is no longer used")
        .doesNotContain("secret-pw");
  }
}
