package com.taskifai.registry;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The rows of {@code tenant_secrets}: ciphertext only, one per tenant and name. Sealing and opening
 * the values is the caller's (the activities' staged secrets), so no plaintext passes through here.
 */
public final class TenantSecrets {
  private final JdbcClient jdbc;

  public TenantSecrets(DataSource platform) {
    this.jdbc = JdbcClient.create(platform);
  }

  /** Stores (or replaces) the ciphertext of a tenant's secret. */
  public void put(UUID tenantId, String name, String ciphertext) {
    jdbc.sql(
            "INSERT INTO tenant_secrets (tenant_id, name, ciphertext) VALUES (:t, :n, :c)"
                + " ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext,"
                + " created_at = now()")
        .param("t", tenantId)
        .param("n", name)
        .param("c", ciphertext)
        .update();
  }

  /** The ciphertext of a tenant's secret, if stored. */
  public Optional<String> get(UUID tenantId, String name) {
    return jdbc.sql("SELECT ciphertext FROM tenant_secrets WHERE tenant_id = :t AND name = :n")
        .param("t", tenantId)
        .param("n", name)
        .query(String.class)
        .optional();
  }

  /** Deletes a secret; deleting one that is gone is done. */
  public void delete(UUID tenantId, String name) {
    jdbc.sql("DELETE FROM tenant_secrets WHERE tenant_id = :t AND name = :n")
        .param("t", tenantId)
        .param("n", name)
        .update();
  }

  /** The tenants that have secrets stored now. */
  public List<UUID> tenants() {
    return jdbc.sql("SELECT DISTINCT tenant_id FROM tenant_secrets ORDER BY tenant_id")
        .query(UUID.class)
        .list();
  }

  /** Deletes every secret of the tenant. */
  public void deleteAll(UUID tenantId) {
    jdbc.sql("DELETE FROM tenant_secrets WHERE tenant_id = :t").param("t", tenantId).update();
  }
}
