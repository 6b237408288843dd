package com.taskifai.registry;

import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The development DNS zone in {@code dns_records}: one row per name, owned by the tenant that
 * published it (or by none).
 */
public final class DnsRecords {
  /** A published name and the tenant it belongs to (null: none). */
  public record Published(String name, UUID tenantId) {}

  private final JdbcClient jdbc;

  public DnsRecords(DataSource platform) {
    this.jdbc = JdbcClient.create(platform);
  }

  /** Creates the record or replaces the one with this name; a second call is a no-op. */
  public void upsert(String name, String type, String value, int ttlSeconds, UUID tenantId) {
    jdbc.sql(
            "INSERT INTO dns_records (name, record_type, value, ttl, tenant_id)"
                + " VALUES (:name, :type, :value, :ttl, :tenant)"
                + " ON CONFLICT (name) DO UPDATE SET record_type = EXCLUDED.record_type,"
                + " value = EXCLUDED.value, ttl = EXCLUDED.ttl, tenant_id = EXCLUDED.tenant_id")
        .param("name", name)
        .param("type", type)
        .param("value", value)
        .param("ttl", ttlSeconds)
        .param("tenant", tenantId)
        .update();
  }

  /** Every published name, in name order. */
  public List<Published> list() {
    return jdbc.sql("SELECT name, tenant_id FROM dns_records ORDER BY name")
        .query((rs, i) -> new Published(rs.getString(1), rs.getObject(2, UUID.class)))
        .list();
  }

  /**
   * Deletes the name when it belongs to this tenant or to none; another tenant's record stays.
   * Deleting a name that is gone is done.
   */
  public void delete(UUID tenantId, String name) {
    jdbc.sql(
            "DELETE FROM dns_records WHERE name = :name AND (tenant_id = :tenant OR tenant_id IS NULL)")
        .param("name", name)
        .param("tenant", tenantId)
        .update();
  }
}
