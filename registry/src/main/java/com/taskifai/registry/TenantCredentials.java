package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import java.util.UUID;

/**
 * The decrypted connection details of a tenant database: the JDBC URL (without password), the app
 * role's user name and password. Lives in memory only; {@link #toString()} hides the password.
 */
public record TenantCredentials(String jdbcUrl, String username, String password) {

  /** Field name bound into the ciphertext of {@code tenants.database_url}. */
  public static final String URL_FIELD = "database_url";

  /** Field name bound into the ciphertext of {@code tenants.database_key}. */
  public static final String KEY_FIELD = "database_key";

  /**
   * Encrypts these credentials for one tenant's row. The URL column holds the JDBC URL and the user
   * name (newline separated), the key column the password; both are bound to the tenant id.
   */
  public EncryptedCredentials encrypt(CredentialCipher cipher, UUID tenantId) {
    return new EncryptedCredentials(
        cipher.encrypt(
            jdbcUrl + "\n" + username, CredentialCipher.tenantContext(tenantId, URL_FIELD)),
        cipher.encrypt(password, CredentialCipher.tenantContext(tenantId, KEY_FIELD)));
  }

  /**
   * Decrypts the credentials stored in a tenant's row; fails if they were copied from another row.
   */
  public static TenantCredentials decrypt(CredentialCipher cipher, Tenant tenant) {
    if (!tenant.hasCredentials()) {
      throw new IllegalStateException("tenant " + tenant.tenantId() + " has no stored credentials");
    }
    String urlAndUser =
        cipher.decrypt(
            tenant.encryptedDatabaseUrl(),
            CredentialCipher.tenantContext(tenant.tenantId(), URL_FIELD));
    int newline = urlAndUser.indexOf('\n');
    if (newline < 0) {
      throw new IllegalStateException(
          "tenant " + tenant.tenantId() + " has a malformed database_url");
    }
    String password =
        cipher.decrypt(
            tenant.encryptedDatabaseKey(),
            CredentialCipher.tenantContext(tenant.tenantId(), KEY_FIELD));
    return new TenantCredentials(
        urlAndUser.substring(0, newline), urlAndUser.substring(newline + 1), password);
  }

  /** The two ciphertexts as they go into the registry. */
  public record EncryptedCredentials(String databaseUrl, String databaseKey) {}

  @Override
  public String toString() {
    return "TenantCredentials[" + jdbcUrl + ", " + username + ", password=***]";
  }
}
