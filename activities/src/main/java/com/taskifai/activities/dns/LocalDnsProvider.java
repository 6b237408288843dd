package com.taskifai.activities.dns;

import com.taskifai.workflows.ports.DnsRecord;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The development provider: a row in {@code dns_records}. Names under {@code .localhost} resolve to
 * loopback by themselves (RFC 6761), so no DNS server is involved.
 */
public final class LocalDnsProvider implements DnsProvider {
  private final JdbcClient jdbc;
  private final String target;
  private final long ttlSeconds;

  public LocalDnsProvider(DataSource platform, String target, long ttlSeconds) {
    this.jdbc = JdbcClient.create(platform);
    this.target = target;
    this.ttlSeconds = ttlSeconds;
  }

  @Override
  public DnsRecord upsert(UUID tenantId, String name) {
    DnsRecord record =
        new DnsRecord(
            DnsProvider.canonical(name), DnsProvider.recordType(target), target, ttlSeconds);
    jdbc.sql(
            "INSERT INTO dns_records (name, record_type, value, ttl, tenant_id)"
                + " VALUES (:name, :type, :value, :ttl, :tenant)"
                + " ON CONFLICT (name) DO UPDATE SET record_type = EXCLUDED.record_type,"
                + " value = EXCLUDED.value, ttl = EXCLUDED.ttl, tenant_id = EXCLUDED.tenant_id")
        .param("name", record.name())
        .param("type", record.type())
        .param("value", record.value())
        .param("ttl", (int) record.ttlSeconds())
        .param("tenant", tenantId)
        .update();
    return record;
  }

  @Override
  public java.util.List<Published> list() {
    return jdbc.sql("SELECT name, tenant_id FROM dns_records ORDER BY name")
        .query((rs, i) -> new Published(rs.getString(1), rs.getObject(2, UUID.class)))
        .list();
  }

  @Override
  public void delete(UUID tenantId, String name) {
    jdbc.sql(
            "DELETE FROM dns_records WHERE name = :name AND (tenant_id = :tenant OR tenant_id IS NULL)")
        .param("name", DnsProvider.canonical(name))
        .param("tenant", tenantId)
        .update();
  }
}
