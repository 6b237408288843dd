package com.taskifai.activities;

import com.taskifai.registry.CredentialRotation;
import com.taskifai.registry.crypto.CredentialCipher;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Secrets one provisioning step hands to a later one without passing them through Temporal: the
 * {@code tenant_secrets} table, ciphertext only, each value bound to its tenant and name.
 */
public final class StagedSecrets {
  /** The app role's password, from create_database to store_credentials. */
  public static final String APP_PASSWORD = "app_password";

  /**
   * The admin's one-time set-password token, staged by send_welcome_email (or send_admin_invite)
   * before the admin row holds its hash, until the mail is out.
   */
  public static final String SET_PASSWORD_TOKEN = "set_password_token";

  private final JdbcClient jdbc;
  private final CredentialCipher cipher;

  public StagedSecrets(DataSource platform, CredentialCipher cipher) {
    this.jdbc = JdbcClient.create(platform);
    this.cipher = cipher;
  }

  /** The encryption context of a staged secret ({@code staged_<name>} of the tenant). */
  public static String context(UUID tenantId, String name) {
    return CredentialRotation.stagedSecretContext(tenantId, name);
  }

  /** Stores (or replaces) a secret, encrypted. */
  public void put(UUID tenantId, String name, String plaintext) {
    jdbc.sql(
            "INSERT INTO tenant_secrets (tenant_id, name, ciphertext) VALUES (:t, :n, :c)"
                + " ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext,"
                + " created_at = now()")
        .param("t", tenantId)
        .param("n", name)
        .param("c", cipher.encrypt(plaintext, context(tenantId, name)))
        .update();
  }

  /** The decrypted secret, if staged. */
  public Optional<String> get(UUID tenantId, String name) {
    return jdbc.sql("SELECT ciphertext FROM tenant_secrets WHERE tenant_id = :t AND name = :n")
        .param("t", tenantId)
        .param("n", name)
        .query(String.class)
        .optional()
        .map(c -> cipher.decrypt(c, context(tenantId, name)));
  }

  /** Deletes a secret; deleting one that is gone is done. */
  public void delete(UUID tenantId, String name) {
    jdbc.sql("DELETE FROM tenant_secrets WHERE tenant_id = :t AND name = :n")
        .param("t", tenantId)
        .param("n", name)
        .update();
  }

  /** The tenants that have staged secrets now (for the fleet reconciler). */
  public java.util.List<UUID> tenants() {
    return jdbc.sql("SELECT DISTINCT tenant_id FROM tenant_secrets ORDER BY tenant_id")
        .query(UUID.class)
        .list();
  }

  /** Deletes every staged secret of the tenant. */
  public void deleteAll(UUID tenantId) {
    jdbc.sql("DELETE FROM tenant_secrets WHERE tenant_id = :t").param("t", tenantId).update();
  }
}
