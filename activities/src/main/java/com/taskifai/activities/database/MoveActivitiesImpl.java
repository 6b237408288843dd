package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerDrains;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantKind;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a tenant database between servers with the backup machinery: the same empty-database scheme
 * as a restore, the same snapshot manifest as a backup, {@code pg_dump -Fc} streamed into {@code
 * pg_restore} without touching disk (restored as the tenant's owner role, like a restore), and a
 * registry swap like a restore's. Every step finds an earlier attempt's work by the tenant's names
 * and checks where the registry points before it changes anything, so a retry (or a replacement
 * worker) never drops the database the tenant uses.
 */
public final class MoveActivitiesImpl implements MoveActivities {
  private static final Logger log = LoggerFactory.getLogger(MoveActivitiesImpl.class);

  private final DatabaseServers servers;
  private final TenantOperations operations;
  private final ServerDrains drains;
  private final TenantProviders providers;
  private final CredentialCipher cipher;
  private final ServerAccess access;
  private final PgPipes pipes;
  private final MoveDatabases databases;
  private final MoveTenants tenants;
  private final MoveCopies copies;
  private final OnlineReplication replication;

  public MoveActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      PgPipes pipes,
      SharedTrialDatabases trialDatabases,
      CredentialCipher cipher) {
    this(platform, access, pipes, trialDatabases, cipher, OnlineReplication.create());
  }

  public MoveActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      PgPipes pipes,
      SharedTrialDatabases trialDatabases,
      CredentialCipher cipher,
      OnlineReplication replication) {
    this.servers = new DatabaseServers(platform);
    this.operations = new TenantOperations(platform);
    this.drains = new ServerDrains(platform);
    this.providers = new TenantProviders(platform);
    this.access = access;
    this.pipes = pipes;
    this.databases = new MoveDatabases(access);
    this.cipher = cipher;
    this.tenants = new MoveTenants(access, cipher, trialDatabases);
    this.copies = new MoveCopies(access, pipes, databases, tenants);
    this.replication = replication;
  }

  @Override
  public MoveSource checkMove(UUID tenantId, String targetServerId) {
    Tenant tenant = tenants.movable(tenantId);
    // A trial (or a Supabase tenant) is refused before anything else: a drain or a direct start
    // must never reach a step that copies, fences or drops a shared trial database.
    TenantOperationKind.MOVING
        .refusalFor(TenantKind.of(tenant, providers.provider(tenantId)))
        .ifPresent(
            refusal -> {
              throw StepFailure.refused(tenantId, refusal);
            });
    tenants.refuseSharedTrialDatabase(tenant, tenant.databaseName(), "check_move");
    DatabaseServers.Server target = server(targetServerId);
    if (!"OPEN".equals(target.state())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "database server " + targetServerId + " is " + target.state() + "; a move needs OPEN");
    }
    if (targetServerId.equals(tenant.databaseServerId())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant " + tenantId + " is on database server " + targetServerId + " already");
    }
    databases.refuseSameCluster(tenant.databaseServerId(), targetServerId, tenantId);
    if (providers.provider(tenantId) == DatabaseProvider.SUPABASE) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenantId + " lives in a Supabase project");
    }
    // Both copies (the whole database, or the schema of an online move) start with pg_dump of the
    // source: a client older than the source is refused here, before anything changes.
    try (Connection c = admin(tenant.databaseServerId()).maintenance().getConnection()) {
      pipes.requireDumpClient(
          c,
          tenant.databaseServerId(),
          "tenant " + tenantId + " cannot move off server " + tenant.databaseServerId() + ": ");
    } catch (SQLException e) {
      throw DatabaseFailures.of("check_move", tenantId, e);
    }
    return new MoveSource(tenant.databaseServerId(), tenant.databaseName());
  }

  @Override
  public void prepareTarget(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    tenants.refuseSharedTrialDatabase(tenant, in.database(), "prepare_move_target");
    if (tenants.onTarget(tenant, in)) {
      return; // swapped by an earlier attempt
    }
    tenants.requireOnSource(tenant, in);
    databases.refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    TenantCredentials credentials = TenantCredentials.decrypt(cipher, tenant);
    String owner = databases.sourceOwner(in);
    ServerAdmin target = admin(in.targetServerId());
    databases.prepareRoles(target, in, owner, credentials);
    databases.createEmpty(target, in, owner, credentials.username());
  }

  @Override
  public void dropTarget(MoveInput in) {
    Tenant tenant = access.tenant(in.tenantId());
    if (tenants.sharedTrialDatabase(tenant, in.database())) {
      log.warn(
          "tenant {}: {} is a shared trial database; not dropped", in.tenantId(), in.database());
      return;
    }
    if (tenants.onTarget(tenant, in)) {
      log.warn("tenant {}: points at {} already; target not dropped", in.tenantId(), in.database());
      return;
    }
    if (databases.sameCluster(in.sourceServerId(), in.targetServerId())) {
      log.warn("tenant {}: target is the source's cluster; nothing dropped", in.tenantId());
      return;
    }
    databases.dropDatabaseAndUnusedRoles(in.targetServerId(), in, "undo_prepare_move_target");
  }

  @Override
  public void holdWrites(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    tenants.refuseSharedTrialDatabase(tenant, in.database(), "hold_writes");
    if (tenants.onTarget(tenant, in)) {
      return;
    }
    tenants.requireOnSource(tenant, in);
    if (!operations.holdWrites(in.tenantId(), in.operationId(), true)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the move does not hold tenant " + in.tenantId());
    }
    // The fence behind the flag: a router that has not seen it yet gets read-only sessions.
    readOnly(tenant, in, true);
  }

  @Override
  public void releaseWrites(MoveInput in) {
    Tenant tenant = access.tenant(in.tenantId());
    if (tenants.onTarget(tenant, in) || tenants.sharedTrialDatabase(tenant, in.database())) {
      return; // the source is retired (it stays read-only), or a shared database never fenced
    }
    readOnly(tenant, in, false);
    operations.holdWrites(in.tenantId(), in.operationId(), false);
  }

  @Override
  public CopyManifest copyDatabase(MoveInput in) {
    return copies.copyDatabase(in);
  }

  @Override
  public void verifyCopy(MoveInput in, CopyManifest manifest) {
    copies.verifyCopy(in, manifest);
  }

  @Override
  public void copySchema(MoveInput in) {
    copies.copySchema(in);
  }

  @Override
  public CopyMode checkOnlineMove(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    if (tenants.onTarget(tenant, in)) {
      return new CopyMode(true, null); // swapped by an earlier attempt
    }
    tenants.requireOnSource(tenant, in);
    try {
      return replication
          .lifecycle()
          .refusal(admin(in.sourceServerId()), admin(in.targetServerId()), in.database())
          .map(reason -> new CopyMode(false, reason))
          .orElse(new CopyMode(true, null));
    } catch (SQLException e) {
      throw DatabaseFailures.of("check_online_move", in.tenantId(), e);
    }
  }

  @Override
  public void startReplication(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    if (tenants.onTarget(tenant, in)) {
      return;
    }
    tenants.requireOnSource(tenant, in);
    try {
      replication
          .lifecycle()
          .start(
              admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("start_replication", in.tenantId(), e);
    }
  }

  @Override
  public ReplicationLag catchUp(MoveInput in) {
    try {
      return replication
          .progress()
          .catchUp(
              admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("catch_up", in.tenantId(), e);
    }
  }

  @Override
  public ReplicationLag awaitZeroLag(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    try {
      return replication
          .progress()
          .awaitZeroLag(
              admin(in.sourceServerId()),
              admin(in.targetServerId()),
              in.database(),
              tenants.appRole(tenant),
              in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("await_zero_lag", in.tenantId(), e);
    }
  }

  @Override
  public int setSequences(MoveInput in) {
    try {
      return replication
          .sequences()
          .setSequences(admin(in.sourceServerId()), admin(in.targetServerId()), in.database());
    } catch (SQLException e) {
      throw DatabaseFailures.of("set_sequences", in.tenantId(), e);
    }
  }

  @Override
  public void verifyReplica(MoveInput in) {
    // Both sides at once: the check runs while writes are held.
    replication
        .verification()
        .verifyMove(
            admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
  }

  @Override
  public void stopReplication(MoveInput in) {
    try {
      replication
          .lifecycle()
          .stop(
              admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("stop_replication", in.tenantId(), e);
    }
  }

  @Override
  public void swapServer(MoveInput in) {
    Tenant tenant = tenants.placed(in.tenantId());
    if (tenants.onTarget(tenant, in)) {
      // Swapped by an earlier attempt, which may have died before the source was closed.
      closeSource(tenant, in, tenants.appRole(tenant));
      operations.holdWrites(in.tenantId(), in.operationId(), false);
      return;
    }
    tenants.requireOnSource(tenant, in);
    TenantCredentials now = TenantCredentials.decrypt(cipher, tenant);
    String url = TenantDatabaseNames.jdbcUrl(server(in.targetServerId()).jdbcUrl(), in.database());
    String encryptedUrl =
        cipher.encrypt(
            url + "\n" + now.username(),
            CredentialCipher.tenantContext(in.tenantId(), TenantCredentials.URL_FIELD));
    if (!operations.moveDatabase(
        in.tenantId(),
        in.operationId(),
        in.sourceServerId(),
        in.targetServerId(),
        in.database(),
        encryptedUrl)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "the move does not hold tenant " + in.tenantId());
    }
    // The source stays read-only (hold_writes) and is closed to the app role: a router that missed
    // the swap can neither keep a session there nor open one; it reconnects to the target.
    closeSource(tenant, in, now.username());
    log.info(
        "tenant {}: now on server {} (was {})",
        in.tenantId(),
        in.targetServerId(),
        in.sourceServerId());
  }

  @Override
  public void retireSource(MoveInput in) {
    Tenant tenant = access.tenant(in.tenantId());
    if (tenants.sharedTrialDatabase(tenant, in.database())) {
      log.warn(
          "tenant {}: {} is a shared trial database; not dropped", in.tenantId(), in.database());
      return;
    }
    if (in.sourceServerId().equals(tenant.databaseServerId())
        && in.database().equals(tenant.databaseName())) {
      log.warn("tenant {}: {} is its current database; not dropped", in.tenantId(), in.database());
      return;
    }
    if (databases.sameCluster(in.sourceServerId(), tenant.databaseServerId())) {
      log.warn("tenant {}: its database is on the source's cluster; not dropped", in.tenantId());
      return;
    }
    databases.dropDatabaseAndUnusedRoles(in.sourceServerId(), in, "retire_source");
  }

  @Override
  public String placeTarget(UUID tenantId, String sourceServerId) {
    Tenant tenant = access.tenant(tenantId);
    return servers
        .placeFor(tenant.region())
        .map(DatabaseServers.Server::id)
        .filter(id -> !id.equals(sourceServerId))
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.INVALID_STATE,
                    "no OPEN database server in region " + tenant.region() + " has room"));
  }

  @Override
  public List<UUID> drainTenants(String serverId) {
    return drains.movableTenants(serverId);
  }

  @Override
  public List<UUID> drainTrials(String serverId) {
    return drains.trials(serverId);
  }

  @Override
  public int closeDrainedServer(String serverId) {
    int left = drains.closeIfEmpty(serverId);
    if (left == 0) {
      log.info("database server {} drained and CLOSED", serverId);
    }
    return left;
  }

  // ---- helpers ----

  /**
   * Source read-only for new sessions (or writable and open to the app role again); the app role's
   * sessions end.
   */
  private void readOnly(Tenant tenant, MoveInput in, boolean on) {
    String step = on ? "hold_writes" : "undo_hold_writes";
    tenants.refuseSharedTrialDatabase(tenant, in.database(), step);
    databases.fenceSource(in, tenants.appRole(tenant), on, step);
  }

  /** The source after the swap: read-only and closed to the app role (see MoveDatabases). */
  private void closeSource(Tenant tenant, MoveInput in, String appRole) {
    tenants.refuseSharedTrialDatabase(tenant, in.database(), "swap_server");
    databases.closeSource(in, appRole);
  }

  private DatabaseServers.Server server(String serverId) {
    return access.server(serverId);
  }

  private ServerAdmin admin(String serverId) {
    return access.admin(serverId);
  }
}
