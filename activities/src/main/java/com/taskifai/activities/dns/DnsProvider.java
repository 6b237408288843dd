package com.taskifai.activities.dns;

import com.taskifai.workflows.ports.DnsRecord;
import java.util.Locale;
import java.util.UUID;

/** Where tenant host names are published. Both operations are idempotent. */
public interface DnsProvider {

  /** Creates or replaces the record of {@code name}; returns it as it now stands. */
  DnsRecord upsert(UUID tenantId, String name);

  /** Deletes the record of {@code name}; a record that is not there is done. */
  void delete(UUID tenantId, String name);

  /** A record that stands: canonical name and, where the provider keeps it, the tenant id. */
  record Published(String name, UUID tenantId) {}

  /**
   * Every A, AAAA and CNAME record the provider holds (for the fleet reconciler, which picks those
   * named like tenants).
   */
  java.util.List<Published> list();

  /** The record type for a target: A for IPv4, AAAA for IPv6, CNAME for a host name. */
  static String recordType(String target) {
    if (target.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return "A";
    }
    if (target.contains(":")) {
      return "AAAA";
    }
    return "CNAME";
  }

  /** A DNS name in canonical form: lower case, no trailing dot. */
  static String canonical(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }
}
