package com.taskifai.registry.providers;

import com.taskifai.registry.crypto.CredentialCipher;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The provider columns of a tenant row: which provider holds its database and, for Supabase, the
 * project reference, the JDBC URL and user of the tenant database through the pooler, and the
 * encrypted service_role key.
 */
public final class TenantProviders {
  /** Field name bound into the ciphertext of {@code tenants.provider_service_key}. */
  public static final String SERVICE_KEY_FIELD = "provider_service_key";

  private final JdbcClient jdbc;

  public TenantProviders(DataSource platform) {
    this.jdbc = JdbcClient.create(platform);
  }

  /** What the registry knows about a tenant's provider. */
  public record ProviderInfo(
      DatabaseProvider provider, String projectRef, String poolerUrl, String poolerUser) {}

  /** The tenant's provider columns; empty when the tenant is missing. */
  public Optional<ProviderInfo> find(UUID tenantId) {
    return jdbc.sql(
            "SELECT database_provider, provider_project_ref, provider_pooler_url, provider_pooler_user"
                + " FROM tenants"
                + " WHERE tenant_id = :t")
        .param("t", tenantId)
        .query(
            (rs, n) ->
                new ProviderInfo(
                    DatabaseProvider.parse(rs.getString(1)),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4)))
        .optional();
  }

  /** The tenant's provider; postgres for a missing tenant. */
  public DatabaseProvider provider(UUID tenantId) {
    return find(tenantId).map(ProviderInfo::provider).orElse(DatabaseProvider.POSTGRES);
  }

  /** Sets the provider of a tenant that has no database placement yet. */
  public void setProvider(UUID tenantId, DatabaseProvider provider) {
    jdbc.sql(
            "UPDATE tenants SET database_provider = :p WHERE tenant_id = :t"
                + " AND database_server_id IS NULL")
        .param("p", provider.value())
        .param("t", tenantId)
        .update();
  }

  /** Records the database name of a tenant whose server (a project) does not exist yet. */
  public void nameDatabase(UUID tenantId, String databaseName) {
    jdbc.sql("UPDATE tenants SET database_name = :d WHERE tenant_id = :t")
        .param("d", databaseName)
        .param("t", tenantId)
        .update();
  }

  /** Records the project of a Supabase tenant (as soon as Supabase named it). */
  public void recordProject(UUID tenantId, String projectRef) {
    jdbc.sql("UPDATE tenants SET provider_project_ref = :r WHERE tenant_id = :t")
        .param("r", projectRef)
        .param("t", tenantId)
        .update();
  }

  /**
   * Records the healthy project: its server row (closed to placement, capacity 1) as the tenant's
   * database server, the pooler's base URL and the encrypted service_role key.
   */
  public void recordReadyProject(
      CredentialCipher cipher,
      UUID tenantId,
      String serverId,
      String poolerUrl,
      String poolerUser,
      String serviceKey) {
    jdbc.sql("UPDATE database_servers SET state = 'CLOSED', capacity = 1 WHERE id = :s")
        .param("s", serverId)
        .update();
    jdbc.sql(
            "UPDATE tenants SET database_server_id = :s, provider_pooler_url = :p,"
                + " provider_pooler_user = :u, provider_service_key = :k WHERE tenant_id = :t")
        .param("s", serverId)
        .param("p", poolerUrl)
        .param("u", poolerUser)
        .param(
            "k",
            serviceKey == null
                ? null
                : cipher.encrypt(
                    serviceKey, CredentialCipher.tenantContext(tenantId, SERVICE_KEY_FIELD)))
        .param("t", tenantId)
        .update();
  }

  /** The decrypted service_role key of a Supabase tenant, if stored. */
  public Optional<String> serviceKey(CredentialCipher cipher, UUID tenantId) {
    return jdbc
        .sql("SELECT provider_service_key FROM tenants WHERE tenant_id = :t")
        .param("t", tenantId)
        .query(String.class)
        .list()
        .stream()
        .filter(java.util.Objects::nonNull)
        .findFirst()
        .map(c -> cipher.decrypt(c, CredentialCipher.tenantContext(tenantId, SERVICE_KEY_FIELD)));
  }

  /** Forgets the service_role key (the project is gone). */
  public void eraseServiceKey(UUID tenantId) {
    jdbc.sql("UPDATE tenants SET provider_service_key = NULL WHERE tenant_id = :t")
        .param("t", tenantId)
        .update();
  }
}
