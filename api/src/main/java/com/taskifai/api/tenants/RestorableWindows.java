package com.taskifai.api.tenants;

import com.taskifai.api.FleetSettings;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerArchives;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantDatabaseHistory;
import com.taskifai.registry.crypto.CredentialCipher;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/**
 * The earliest and latest moment a tenant's database can be restored to: from the end of the oldest
 * base backup of its server's WAL archive (or the tenant's creation or its arrival on that server,
 * if later) to the newest archived WAL segment the server reports. When nothing can be restored,
 * both are null and the reason says why and what to configure.
 */
@Component
class RestorableWindows {
  /**
   * A tenant's restorable range; {@code from} and {@code to} are null exactly when {@code reason}
   * is set.
   */
  record Window(Instant from, Instant to, String reason) {
    static Window none(String reason) {
      return new Window(null, null, reason);
    }
  }

  private final DatabaseServers servers;
  private final ServerArchives archives;
  private final ServerHealth health;
  private final TenantDatabaseHistory history;

  RestorableWindows(DataSource platform, CredentialCipher cipher, FleetSettings fleet) {
    this.servers = new DatabaseServers(platform);
    this.archives = new ServerArchives(platform);
    this.health = new ServerHealth(servers, cipher, fleet.serverHealthTimeout());
    this.history = new TenantDatabaseHistory(platform);
  }

  /**
   * Why {@code at} cannot be restored to when the tenant's database lived on another server then (a
   * move since): only its current server's archive is read. Empty when it was on this server.
   */
  Optional<String> movedAwayAt(Tenant t, Instant at) {
    return history
        .at(t.tenantId(), at)
        .filter(then -> !java.util.Objects.equals(then.serverId(), t.databaseServerId()))
        .map(
            then ->
                TenantDatabaseHistory.movedReason(t.tenantId(), at, then, t.databaseServerId()));
  }

  Window of(Tenant t, boolean providerHosted) {
    if (providerHosted) {
      return Window.none(
          "the tenant's database is a Supabase project, whose range only Supabase knows:"
              + " POST /admin/tenants/{id}/restore-to-time with mode replace restores it in place"
              + " through Supabase's point-in-time recovery (its PITR add-on)");
    }
    if (t.isTrial()) {
      return Window.none(
          "a trial's rows live in the shared trial database: promote the tenant first");
    }
    if (t.databaseServerId() == null || t.databaseName() == null) {
      return Window.none("the tenant has no database yet");
    }
    Optional<ServerArchives.Archive> archive = archives.find(t.databaseServerId());
    if (archive.isEmpty()) {
      return Window.none(
          "database server "
              + t.databaseServerId()
              + " does not archive its WAL: turn on continuous archiving (TASKIFAI_PITR=on for"
              + " embedded servers; docs/operations.md, \"Point-in-time recovery\")");
    }
    Instant earliest = archive.get().earliestRestorableAt();
    if (earliest == null) {
      return Window.none(
          "no base backup of database server "
              + t.databaseServerId()
              + " exists yet: the first one runs when a worker starts (workflow server-base-backup-"
              + t.databaseServerId()
              + ")");
    }
    Optional<DatabaseServers.Server> server = servers.find(t.databaseServerId());
    if (server.isEmpty()) {
      return Window.none("database server " + t.databaseServerId() + " is not registered");
    }
    ServerHealth.Archiving archiving = health.archivingOf(server.get());
    if (!archiving.enabled()) {
      return Window.none(archiving.reason());
    }
    Instant from = earliest.isAfter(t.createdAt()) ? earliest : t.createdAt();
    // Only this server's archive is read: a moment before the tenant came to it is not offered.
    Optional<Instant> arrived = history.onServerSince(t.tenantId(), t.databaseServerId());
    if (arrived.isPresent() && arrived.get().isAfter(from)) {
      from = arrived.get();
    }
    Instant to = archiving.newestWalAt();
    if (to == null || to.isBefore(from)) {
      return Window.none(
          "no WAL of database server "
              + t.databaseServerId()
              + " is archived since its base backup yet (at most "
              + com.taskifai.registry.embedded.WalArchive.ARCHIVE_TIMEOUT.toSeconds()
              + " s after the next write)");
    }
    return new Window(from, to, null);
  }
}
