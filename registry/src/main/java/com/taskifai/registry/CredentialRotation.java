package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Moves every ciphertext in the registry (tenant credentials, platform admins' TOTP secrets,
 * database servers' admin passwords) to the newest master key. Safe to run again: values already
 * under the newest key are left as they are. Each row is updated only if it still holds the value
 * that was read, so a concurrent write is never overwritten.
 */
public final class CredentialRotation {
  private final JdbcClient jdbc;
  private final TenantRegistry tenants;
  private final DatabaseServers servers;
  private final CredentialCipher cipher;

  public CredentialRotation(DataSource dataSource, CredentialCipher cipher) {
    this.jdbc = JdbcClient.create(dataSource);
    this.tenants = new TenantRegistry(dataSource);
    this.servers = new DatabaseServers(dataSource);
    this.cipher = cipher;
  }

  /** Re-encrypts what is not under the newest key; returns how many values changed. */
  public int reencryptAll() {
    int changed = 0;
    for (Tenant t : tenants.withCredentials()) {
      changed +=
          reencrypt(
              "tenants",
              "database_url",
              "tenant_id",
              t.tenantId(),
              t.encryptedDatabaseUrl(),
              CredentialCipher.tenantContext(t.tenantId(), TenantCredentials.URL_FIELD));
      changed +=
          reencrypt(
              "tenants",
              "database_key",
              "tenant_id",
              t.tenantId(),
              t.encryptedDatabaseKey(),
              CredentialCipher.tenantContext(t.tenantId(), TenantCredentials.KEY_FIELD));
    }
    for (var admin :
        jdbc.sql("SELECT id, totp_secret FROM platform_admins")
            .query(
                (rs, i) ->
                    java.util.Map.entry(rs.getObject(1, java.util.UUID.class), rs.getString(2)))
            .list()) {
      changed +=
          reencrypt(
              "platform_admins",
              "totp_secret",
              "id",
              admin.getKey(),
              admin.getValue(),
              "platform_admin:" + admin.getKey() + ":totp");
    }
    for (DatabaseServers.Server s : servers.all()) {
      changed +=
          reencrypt(
              "database_servers",
              "admin_password",
              "id",
              s.id(),
              s.encryptedAdminPassword(),
              DatabaseServers.context(s.id()));
    }
    return changed;
  }

  private int reencrypt(
      String table, String column, String idColumn, Object id, String value, String context) {
    if (value == null || cipher.isCurrent(value)) {
      return 0;
    }
    String fresh = cipher.reencrypt(value, context);
    return jdbc.sql(
            "UPDATE "
                + table
                + " SET "
                + column
                + " = :fresh WHERE "
                + idColumn
                + " = :id AND "
                + column
                + " = :old")
        .param("fresh", fresh)
        .param("id", id)
        .param("old", value)
        .update();
  }
}
