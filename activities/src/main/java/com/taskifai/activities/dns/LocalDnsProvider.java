package com.taskifai.activities.dns;

import com.taskifai.registry.DnsRecords;
import com.taskifai.workflows.ports.DnsRecord;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The development provider: a row in the registry's {@link DnsRecords} ({@code dns_records}). Names
 * under {@code .localhost} resolve to loopback by themselves (RFC 6761), so no DNS server is
 * involved.
 */
public final class LocalDnsProvider implements DnsProvider {
  private final DnsRecords records;
  private final String target;
  private final long ttlSeconds;

  public LocalDnsProvider(DataSource platform, String target, long ttlSeconds) {
    this(new DnsRecords(platform), target, ttlSeconds);
  }

  public LocalDnsProvider(DnsRecords records, String target, long ttlSeconds) {
    this.records = records;
    this.target = target;
    this.ttlSeconds = ttlSeconds;
  }

  @Override
  public DnsRecord upsert(UUID tenantId, String name) {
    DnsRecord record =
        new DnsRecord(
            DnsProvider.canonical(name), DnsProvider.recordType(target), target, ttlSeconds);
    records.upsert(
        record.name(), record.type(), record.value(), (int) record.ttlSeconds(), tenantId);
    return record;
  }

  @Override
  public List<Published> list() {
    return records.list().stream().map(r -> new Published(r.name(), r.tenantId())).toList();
  }

  @Override
  public void delete(UUID tenantId, String name) {
    records.delete(tenantId, DnsProvider.canonical(name));
  }
}
