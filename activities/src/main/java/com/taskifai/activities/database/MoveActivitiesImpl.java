package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerDrains;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantKind;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
  private final SharedTrialDatabases trialDatabases;
  private final MoveDatabases databases;

  public MoveActivitiesImpl(
      DataSource platform,
      ServerAccess access,
      PgPipes pipes,
      SharedTrialDatabases trialDatabases,
      CredentialCipher cipher) {
    this.servers = new DatabaseServers(platform);
    this.operations = new TenantOperations(platform);
    this.drains = new ServerDrains(platform);
    this.providers = new TenantProviders(platform);
    this.access = access;
    this.pipes = pipes;
    this.trialDatabases = trialDatabases;
    this.databases = new MoveDatabases(access);
    this.cipher = cipher;
  }

  @Override
  public MoveSource checkMove(UUID tenantId, String targetServerId) {
    Tenant tenant = movableTenant(tenantId);
    // A trial (or a Supabase tenant) is refused before anything else: a drain or a direct start
    // must never reach a step that copies, fences or drops a shared trial database.
    TenantOperationKind.MOVING
        .refusalFor(TenantKind.of(tenant, providers.provider(tenantId)))
        .ifPresent(
            refusal -> {
              throw StepFailure.refused(tenantId, refusal);
            });
    refuseSharedTrialDatabase(tenant, tenant.databaseName(), "check_move");
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
    Tenant tenant = placedTenant(in.tenantId());
    refuseSharedTrialDatabase(tenant, in.database(), "prepare_move_target");
    if (onTarget(tenant, in)) {
      return; // swapped by an earlier attempt
    }
    requireOnSource(tenant, in);
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
    if (sharedTrialDatabase(tenant, in.database())) {
      log.warn(
          "tenant {}: {} is a shared trial database; not dropped", in.tenantId(), in.database());
      return;
    }
    if (onTarget(tenant, in)) {
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
    Tenant tenant = placedTenant(in.tenantId());
    refuseSharedTrialDatabase(tenant, in.database(), "hold_writes");
    if (onTarget(tenant, in)) {
      return;
    }
    requireOnSource(tenant, in);
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
    if (onTarget(tenant, in) || sharedTrialDatabase(tenant, in.database())) {
      return; // the source is retired (it stays read-only), or a shared database never fenced
    }
    readOnly(tenant, in, false);
    operations.holdWrites(in.tenantId(), in.operationId(), false);
  }

  @Override
  public CopyManifest copyDatabase(MoveInput in) {
    Tenant tenant = placedTenant(in.tenantId());
    if (onTarget(tenant, in)) {
      return databases.manifestOf(admin(in.targetServerId()), in);
    }
    requireOnSource(tenant, in);
    databases.refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    String owner = databases.sourceOwner(in);
    ServerAdmin source = admin(in.sourceServerId());
    ServerAdmin target = admin(in.targetServerId());
    // A retry starts again on an empty database.
    databases.createEmpty(target, in, owner, appRole(tenant));
    long started = System.nanoTime();
    try (Connection connection = source.unpooled(in.database()).getConnection()) {
      pipes.requireDumpClient(connection, in.sourceServerId(), "");
      PgPipes.Snapshot snapshot = PgPipes.export(connection);
      PgPipes.Copied copied;
      try (OwnerLogin login = OwnerLogin.open(target, owner, "copy_database")) {
        copied = pipes.copy(source, target, login, in.database(), snapshot.id());
      }
      connection.commit();
      if (copied.dumpExit() != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "pg_dump exited with " + copied.dumpExit() + ": " + copied.dumpErrors());
      }
      if (copied.restoreExit() != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "pg_restore exited with " + copied.restoreExit() + ": " + copied.restoreErrors());
      }
      try {
        TenantSchema.grantAppRole(target.database(in.database()), owner, appRole(tenant));
      } catch (IllegalStateException e) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE, "copy_database: cannot grant the app role: " + e.getMessage());
      }
      log.info(
          "tenant {}: {} copied from {} to {} ({} ms)",
          in.tenantId(),
          in.database(),
          in.sourceServerId(),
          in.targetServerId(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return new CopyManifest(snapshot.manifest().schemaVersion(), snapshot.manifest().rowCounts());
    } catch (SQLException e) {
      throw DatabaseFailures.of("copy_database", in.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy failed: " + e.getMessage());
    } finally {
      target.release(in.database());
    }
  }

  @Override
  public void verifyCopy(MoveInput in, CopyManifest manifest) {
    CopyManifest actual = databases.manifestOf(admin(in.targetServerId()), in);
    if (!Objects.equals(actual.schemaVersion(), manifest.schemaVersion())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "copied schema version "
              + actual.schemaVersion()
              + " differs from the source's "
              + manifest.schemaVersion());
    }
    if (!new TreeMap<>(actual.rowCounts()).equals(new TreeMap<>(manifest.rowCounts()))) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "copied row counts "
              + actual.rowCounts()
              + " differ from the source's manifest "
              + manifest.rowCounts());
    }
  }

  @Override
  public CopyMode checkOnlineMove(MoveInput in) {
    Tenant tenant = placedTenant(in.tenantId());
    if (onTarget(tenant, in)) {
      return new CopyMode(true, null); // swapped by an earlier attempt
    }
    requireOnSource(tenant, in);
    try {
      return LogicalReplication.refusal(
              admin(in.sourceServerId()), admin(in.targetServerId()), in.database())
          .map(reason -> new CopyMode(false, reason))
          .orElse(new CopyMode(true, null));
    } catch (SQLException e) {
      throw DatabaseFailures.of("check_online_move", in.tenantId(), e);
    }
  }

  @Override
  public void copySchema(MoveInput in) {
    Tenant tenant = placedTenant(in.tenantId());
    if (onTarget(tenant, in)) {
      return;
    }
    requireOnSource(tenant, in);
    databases.refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    String owner = databases.sourceOwner(in);
    ServerAdmin source = admin(in.sourceServerId());
    ServerAdmin target = admin(in.targetServerId());
    // A retry starts again on an empty database (no subscription can be in it yet).
    databases.createEmpty(target, in, owner, appRole(tenant));
    try {
      PgPipes.Copied copied;
      try (OwnerLogin login = OwnerLogin.open(target, owner, "copy_schema")) {
        copied = pipes.copySchema(source, target, login, in.database());
      }
      if (copied.dumpExit() != 0 || copied.restoreExit() != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "copy_schema: pg_dump exited with "
                + copied.dumpExit()
                + " ("
                + copied.dumpErrors()
                + "), pg_restore with "
                + copied.restoreExit()
                + " ("
                + copied.restoreErrors()
                + ")");
      }
      TenantSchema.grantAppRole(target.database(in.database()), owner, appRole(tenant));
    } catch (IOException | IllegalStateException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy_schema failed: " + e.getMessage());
    } finally {
      target.release(in.database());
    }
  }

  @Override
  public void startReplication(MoveInput in) {
    Tenant tenant = placedTenant(in.tenantId());
    if (onTarget(tenant, in)) {
      return;
    }
    requireOnSource(tenant, in);
    try {
      LogicalReplication.start(
          admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("start_replication", in.tenantId(), e);
    }
  }

  @Override
  public ReplicationLag catchUp(MoveInput in) {
    try {
      return LogicalReplication.catchUp(
          admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("catch_up", in.tenantId(), e);
    }
  }

  @Override
  public ReplicationLag awaitZeroLag(MoveInput in) {
    Tenant tenant = placedTenant(in.tenantId());
    try {
      return LogicalReplication.awaitZeroLag(
          admin(in.sourceServerId()),
          admin(in.targetServerId()),
          in.database(),
          appRole(tenant),
          in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("await_zero_lag", in.tenantId(), e);
    }
  }

  @Override
  public int setSequences(MoveInput in) {
    try {
      return LogicalReplication.setSequences(
          admin(in.sourceServerId()), admin(in.targetServerId()), in.database());
    } catch (SQLException e) {
      throw DatabaseFailures.of("set_sequences", in.tenantId(), e);
    }
  }

  @Override
  public void verifyReplica(MoveInput in) {
    Map<String, String> source;
    Map<String, String> target;
    // Both sides at once: the check runs while writes are held.
    ServerAdmin sourceAdmin = admin(in.sourceServerId());
    ServerAdmin targetAdmin = admin(in.targetServerId());
    boolean recordHash;
    try {
      recordHash = LogicalReplication.recordHashes(sourceAdmin, targetAdmin);
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_copy", in.tenantId(), e);
    }
    java.util.concurrent.FutureTask<Map<String, String>> reading =
        new java.util.concurrent.FutureTask<>(
            () -> LogicalReplication.fingerprint(sourceAdmin, in.database(), recordHash));
    Thread reader = new Thread(reading, "verify-source");
    reader.setDaemon(true);
    reader.start();
    try {
      target = LogicalReplication.fingerprint(targetAdmin, in.database(), recordHash);
      source = reading.get();
    } catch (SQLException e) {
      throw DatabaseFailures.of("verify_copy", in.tenantId(), e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw DatabaseFailures.of("verify_copy", in.tenantId(), sql);
      }
      throw StepFailure.of(FailureType.UNAVAILABLE, "verify_copy: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StepFailure.of(FailureType.UNAVAILABLE, "verify_copy interrupted");
    } finally {
      reading.cancel(true);
    }
    if (!source.equals(target)) {
      List<String> differ =
          new TreeSet<>(source.keySet())
              .stream()
                  .filter(k -> !Objects.equals(source.get(k), target.get(k)))
                  .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
      target.keySet().stream().filter(k -> !source.containsKey(k)).forEach(differ::add);
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "the target differs from the source in "
              + differ
              + " (row count:checksum of primary keys, source "
              + source
              + ", target "
              + target
              + "); nothing swapped");
    }
  }

  @Override
  public void stopReplication(MoveInput in) {
    try {
      LogicalReplication.stop(
          admin(in.sourceServerId()), admin(in.targetServerId()), in.database(), in.tenantId());
    } catch (SQLException e) {
      throw DatabaseFailures.of("stop_replication", in.tenantId(), e);
    }
  }

  @Override
  public void swapServer(MoveInput in) {
    Tenant tenant = placedTenant(in.tenantId());
    if (onTarget(tenant, in)) {
      // Swapped by an earlier attempt, which may have died before the source was closed.
      closeSource(tenant, in, appRole(tenant));
      operations.holdWrites(in.tenantId(), in.operationId(), false);
      return;
    }
    requireOnSource(tenant, in);
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
    if (sharedTrialDatabase(tenant, in.database())) {
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

  private boolean sharedTrialDatabase(Tenant tenant, String database) {
    return trialDatabases.touches(tenant, database);
  }

  private void refuseSharedTrialDatabase(Tenant tenant, String database, String step) {
    trialDatabases.refuse(
        tenant, database, step, true, ", which no move may touch: promote the trial first");
  }

  private static boolean onTarget(Tenant tenant, MoveInput in) {
    return in.targetServerId().equals(tenant.databaseServerId())
        && in.database().equals(tenant.databaseName());
  }

  private static void requireOnSource(Tenant tenant, MoveInput in) {
    if (!in.sourceServerId().equals(tenant.databaseServerId())
        || !in.database().equals(tenant.databaseName())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "tenant "
              + in.tenantId()
              + " is on "
              + tenant.databaseServerId()
              + "/"
              + tenant.databaseName()
              + ", not "
              + in.sourceServerId()
              + "/"
              + in.database()
              + "; nothing moved");
    }
  }

  private String appRole(Tenant tenant) {
    return TenantCredentials.decrypt(cipher, tenant).username();
  }

  /**
   * Source read-only for new sessions (or writable and open to the app role again); the app role's
   * sessions end.
   */
  private void readOnly(Tenant tenant, MoveInput in, boolean on) {
    refuseSharedTrialDatabase(tenant, in.database(), on ? "hold_writes" : "undo_hold_writes");
    String appRole = appRole(tenant);
    ServerAdmin source = admin(in.sourceServerId());
    try {
      if (!on) {
        SwapFence.open(source, in.database(), appRole);
      }
      SwapFence.readOnly(source, in.database(), databases.sourceOwner(in), appRole, on);
    } catch (SQLException e) {
      throw DatabaseFailures.of(on ? "hold_writes" : "undo_hold_writes", in.tenantId(), e);
    }
  }

  /**
   * The source after the swap: read-only (set again, in case) and CONNECT revoked for the app role,
   * its sessions ended. A source dropped already (retired) is done.
   */
  private void closeSource(Tenant tenant, MoveInput in, String appRole) {
    refuseSharedTrialDatabase(tenant, in.database(), "swap_server");
    if (databases.sameCluster(in.sourceServerId(), in.targetServerId())) {
      return; // the target is the source: closing it would close the tenant's own database
    }
    ServerAdmin source = admin(in.sourceServerId());
    try {
      try (Connection c = source.maintenance().getConnection()) {
        if (!ServerAdmin.databaseExists(c, in.database())) {
          return;
        }
      }
      SwapFence.readOnly(source, in.database(), databases.sourceOwner(in), appRole, true);
      SwapFence.close(source, in.database(), appRole);
    } catch (SQLException e) {
      throw DatabaseFailures.of("swap_server", in.tenantId(), e);
    }
  }

  /**
   * The tenant as a move starts from it: ACTIVE or SUSPENDED, with a database and credentials.
   * Otherwise (offboarded, being deleted, failed, never placed) fails NOT_MOVABLE: a drain that
   * listed the tenant before it changed skips it, since no retry and no later round can move it.
   */
  private Tenant movableTenant(UUID tenantId) {
    Tenant tenant = access.tenant(tenantId);
    if (tenant.status() != TenantStatus.ACTIVE && tenant.status() != TenantStatus.SUSPENDED) {
      throw StepFailure.of(
          FailureType.NOT_MOVABLE,
          "tenant "
              + tenantId
              + " is "
              + tenant.status()
              + "; a move needs it ACTIVE or SUSPENDED (nothing was changed)");
    }
    if (tenant.databaseServerId() == null
        || tenant.databaseName() == null
        || !tenant.hasCredentials()) {
      throw StepFailure.of(
          FailureType.NOT_MOVABLE, "tenant " + tenantId + " has no database to move");
    }
    return tenant;
  }

  private Tenant placedTenant(UUID tenantId) {
    Tenant tenant = access.placedTenant(tenantId, "has no database to move");
    if (!tenant.hasCredentials()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenantId + " has no database to move");
    }
    return tenant;
  }

  private DatabaseServers.Server server(String serverId) {
    return access.server(serverId);
  }

  private ServerAdmin admin(String serverId) {
    return access.admin(serverId);
  }
}
