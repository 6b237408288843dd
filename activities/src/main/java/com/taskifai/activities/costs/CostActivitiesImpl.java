package com.taskifai.activities.costs;

import com.taskifai.activities.database.TenantDatabaseInventory;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.TenantUsage;
import com.taskifai.workflows.ports.CostActivities;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the size of every live tenant database: one catalogue query per server (not one
 * connection per tenant database), recorded as the tenant's sample of the day. A trial's sample is
 * its own rows' share of its server's shared trial database ({@link
 * com.taskifai.tenantschema.TrialSchema#rowShares}).
 */
public final class CostActivitiesImpl implements CostActivities {
  private static final Logger log = LoggerFactory.getLogger(CostActivitiesImpl.class);

  /** Tenants whose database exists and is kept. */
  static final EnumSet<TenantStatus> SAMPLED =
      EnumSet.of(TenantStatus.ACTIVE, TenantStatus.SUSPENDED);

  private final TenantRegistry tenants;
  private final DatabaseServers servers;
  private final TenantDatabaseInventory inventory;
  private final TenantUsage usage;
  private final Clock clock;

  public CostActivitiesImpl(
      TenantRegistry tenants,
      DatabaseServers servers,
      TenantDatabaseInventory inventory,
      TenantUsage usage,
      Clock clock) {
    this.tenants = tenants;
    this.servers = servers;
    this.inventory = inventory;
    this.usage = usage;
    this.clock = clock;
  }

  @Override
  public SampleSummary sampleDatabaseSizes() {
    LocalDate day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<Tenant> live = tenants.findByStatus(SAMPLED);
    Map<String, Optional<Map<String, Long>>> byServer = new HashMap<>();
    int sampled = 0;
    int skipped = 0;
    Map<String, List<UUID>> trialsByServer = new HashMap<>();
    for (Tenant t : live) {
      if (t.databaseServerId() == null || t.databaseName() == null) {
        continue;
      }
      if (t.isTrial()) {
        trialsByServer
            .computeIfAbsent(t.databaseServerId(), s -> new ArrayList<>())
            .add(t.tenantId());
        continue;
      }
      Optional<Map<String, Long>> sizes =
          byServer.computeIfAbsent(t.databaseServerId(), this::sizesOn);
      Long bytes = sizes.map(m -> m.get(t.databaseName())).orElse(null);
      if (bytes == null) {
        skipped++;
        continue;
      }
      usage.recordSize(t.tenantId(), day, bytes);
      sampled++;
    }
    // A trial is charged its own rows' share of the shared trial database, never the whole.
    for (Map.Entry<String, List<UUID>> server : trialsByServer.entrySet()) {
      Map<UUID, Long> shares = trialSharesOn(server.getKey(), server.getValue());
      for (UUID trial : server.getValue()) {
        Long bytes = shares.get(trial);
        if (bytes == null) {
          skipped++;
          continue;
        }
        usage.recordSize(trial, day, bytes);
        sampled++;
      }
    }
    log.info("cost sampling: {} tenant databases sampled, {} skipped", sampled, skipped);
    return new SampleSummary(sampled, skipped);
  }

  private Map<UUID, Long> trialSharesOn(String serverId, List<UUID> trials) {
    Optional<DatabaseServers.Server> server = servers.find(serverId);
    if (server.isEmpty()) {
      log.warn("cost sampling: server {} is not registered", serverId);
      return Map.of();
    }
    try {
      return inventory.trialRowShares(server.get(), trials);
    } catch (SQLException | RuntimeException e) {
      log.warn(
          "cost sampling: the trials of server {} were not measured: {}", serverId, e.getMessage());
      return Map.of();
    }
  }

  private Optional<Map<String, Long>> sizesOn(String serverId) {
    Optional<DatabaseServers.Server> server = servers.find(serverId);
    if (server.isEmpty()) {
      log.warn("cost sampling: server {} is not registered", serverId);
      return Optional.empty();
    }
    try {
      return Optional.of(inventory.databaseSizes(server.get()));
    } catch (SQLException | RuntimeException e) {
      log.warn("cost sampling: server {} did not answer: {}", serverId, e.getMessage());
      return Optional.empty();
    }
  }
}
