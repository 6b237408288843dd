package com.taskifai.activities.reconcile;

import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.activities.dns.DnsProvider;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.workflows.ports.Orphan;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;

/**
 * The registry as one snapshot, and the rules that tell from it whether a database, role, DNS
 * record, staged secret or provider project is an orphan ({@link FleetActivitiesImpl} says why
 * those rules).
 */
final class FleetSnapshot {
  private final SubdomainRules rules;

  private FleetSnapshot(SubdomainRules rules) {
    this.rules = rules;
  }

  final Map<UUID, Tenant> byId = new HashMap<>();
  final Map<String, Tenant> bySubdomain = new HashMap<>();

  static FleetSnapshot load(TenantRegistry registry, SubdomainRules rules) {
    FleetSnapshot t = new FleetSnapshot(rules);
    for (Tenant tenant : registry.findByStatus(EnumSet.allOf(TenantStatus.class))) {
      t.byId.put(tenant.tenantId(), tenant);
      if (TenantStatus.HOLDING_SUBDOMAIN.contains(tenant.status())) {
        t.bySubdomain.put(tenant.subdomain(), tenant);
      }
    }
    return t;
  }

  /** Why the tenant does not own objects named for it, or empty if it does (it is live). */
  Optional<String> orphanReason(UUID tenantId) {
    Tenant t = byId.get(tenantId);
    if (t == null) {
      return Optional.of("no tenant has the id " + tenantId);
    }
    if (!TenantStatus.HOLDING_SUBDOMAIN.contains(t.status())) {
      return Optional.of("tenant " + tenantId + " is " + t.status());
    }
    // A live tenant's name on another server than its own is left alone too: two server rows
    // may name the same cluster, and dropping it there would drop the tenant's data.
    return Optional.empty();
  }

  boolean anyLiveWithPrefix(String hexPrefix) {
    return byId.values().stream()
        .anyMatch(
            t ->
                TenantDatabaseNames.hex(t.tenantId()).startsWith(hexPrefix)
                    && orphanReason(t.tenantId()).isEmpty());
  }

  Optional<Orphan> databaseOrphan(String serverId, String database) {
    Matcher m = TenantDatabaseNames.DATABASE.matcher(database);
    if (!m.matches()) {
      return Optional.empty();
    }
    UUID id = TenantDatabaseNames.idOfHex(m.group(1));
    return orphanReason(id)
        .map(reason -> new Orphan(Orphan.DATABASE, database, serverId, id, reason));
  }

  Optional<Orphan> roleOrphan(String serverId, String role, List<String> reach) {
    for (String db : reach) {
      Matcher m = TenantDatabaseNames.DATABASE.matcher(db);
      if (m.matches() && orphanReason(TenantDatabaseNames.idOfHex(m.group(1))).isEmpty()) {
        return Optional.empty(); // it can still reach a live tenant's data: not ours to drop
      }
    }
    Matcher current = TenantDatabaseNames.ROLE.matcher(role);
    if (current.matches()) {
      UUID id = TenantDatabaseNames.idOfHex(current.group(1));
      return orphanReason(id).map(reason -> new Orphan(Orphan.ROLE, role, serverId, id, reason));
    }
    Matcher legacy = TenantDatabaseNames.LEGACY_ROLE.matcher(role);
    if (legacy.matches()) {
      if (anyLiveWithPrefix(legacy.group(1))) {
        return Optional.empty();
      }
      return Optional.of(
          new Orphan(
              Orphan.ROLE,
              role,
              serverId,
              null,
              "no live tenant has an id starting " + legacy.group(1)));
    }
    return Optional.empty();
  }

  Optional<Orphan> dnsOrphan(DnsProvider.Published record) {
    Optional<String> label = rules.extract(record.name()).filter(rules::isValid);
    if (label.isEmpty()) {
      return Optional.empty(); // the apex, a deeper name, or a reserved one: not a tenant's
    }
    Tenant holder = bySubdomain.get(label.get());
    if (holder != null) {
      return Optional.empty();
    }
    return Optional.of(
        new Orphan(
            Orphan.DNS_RECORD,
            record.name(),
            null,
            record.tenantId(),
            "no live tenant holds the subdomain " + label.get()));
  }

  /**
   * A platform-named project is its tenant's only when the tenant is live and has recorded it (or
   * has recorded none yet: its create may be under way).
   */
  Optional<Orphan> projectOrphan(SupabaseProjects.NamedProject p) {
    Optional<String> reason = orphanReason(p.tenantId());
    if (reason.isEmpty() && p.recordedRef() != null && !p.recordedRef().equals(p.ref())) {
      reason =
          Optional.of(
              "tenant "
                  + p.tenantId()
                  + " owns Supabase project "
                  + p.recordedRef()
                  + ", not this one (a create whose answer was lost)");
    }
    return reason.map(
        why ->
            new Orphan(
                Orphan.PROVIDER_PROJECT,
                p.ref(),
                null,
                p.tenantId(),
                "Supabase project " + p.name() + ": " + why));
  }

  Optional<Orphan> secretOrphan(UUID tenantId) {
    return orphanReason(tenantId)
        .map(
            reason ->
                new Orphan(Orphan.STAGED_SECRET, tenantId.toString(), null, tenantId, reason));
  }
}
