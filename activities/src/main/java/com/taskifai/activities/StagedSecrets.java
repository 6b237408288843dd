package com.taskifai.activities;

import com.taskifai.registry.CredentialRotation;
import com.taskifai.registry.TenantSecrets;
import com.taskifai.registry.crypto.CredentialCipher;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Secrets one provisioning step hands to a later one without passing them through Temporal: the
 * registry's {@link TenantSecrets} ({@code tenant_secrets}), ciphertext only, each value bound to
 * its tenant and name.
 */
public final class StagedSecrets {
  /** The app role's password, from create_database to store_credentials. */
  public static final String APP_PASSWORD = "app_password";

  /**
   * The admin's one-time set-password token, staged by send_welcome_email (or send_admin_invite)
   * before the admin row holds its hash, until the mail is out.
   */
  public static final String SET_PASSWORD_TOKEN = "set_password_token";

  private final TenantSecrets rows;
  private final CredentialCipher cipher;

  public StagedSecrets(DataSource platform, CredentialCipher cipher) {
    this(new TenantSecrets(platform), cipher);
  }

  public StagedSecrets(TenantSecrets rows, CredentialCipher cipher) {
    this.rows = rows;
    this.cipher = cipher;
  }

  /** The encryption context of a staged secret ({@code staged_<name>} of the tenant). */
  public static String context(UUID tenantId, String name) {
    return CredentialRotation.stagedSecretContext(tenantId, name);
  }

  /** Stores (or replaces) a secret, encrypted. */
  public void put(UUID tenantId, String name, String plaintext) {
    rows.put(tenantId, name, cipher.encrypt(plaintext, context(tenantId, name)));
  }

  /** The decrypted secret, if staged. */
  public Optional<String> get(UUID tenantId, String name) {
    return rows.get(tenantId, name).map(c -> cipher.decrypt(c, context(tenantId, name)));
  }

  /** Deletes a secret; deleting one that is gone is done. */
  public void delete(UUID tenantId, String name) {
    rows.delete(tenantId, name);
  }

  /** The tenants that have staged secrets now (for the fleet reconciler). */
  public List<UUID> tenants() {
    return rows.tenants();
  }

  /** Deletes every staged secret of the tenant. */
  public void deleteAll(UUID tenantId) {
    rows.deleteAll(tenantId);
  }
}
