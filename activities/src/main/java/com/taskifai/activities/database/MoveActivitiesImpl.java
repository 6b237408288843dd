package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerDrains;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantKind;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.MoveActivities;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Moves a tenant database between servers with the backup machinery: the same empty-database scheme
 * as a restore, the same snapshot manifest as a backup, {@code pg_dump -Fc} streamed into {@code
 * pg_restore} without touching disk (restored as the tenant's owner role, like a restore), and a
 * registry swap like a restore's. Every step finds an earlier attempt's work by the tenant's names
 * and checks where the registry points before it changes anything, so a retry (or a replacement
 * worker) never drops the database the tenant uses.
 */
public final class MoveActivitiesImpl implements MoveActivities, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MoveActivitiesImpl.class);

  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final TenantOperations operations;
  private final ServerDrains drains;
  private final TenantProviders providers;
  private final CredentialCipher cipher;
  private final PgClient pg;
  private final AdminConnectionPools pools = new AdminConnectionPools();
  private final JdbcClient platformJdbc;

  public MoveActivitiesImpl(DataSource platform, CredentialCipher cipher, BackupSettings settings) {
    this.registry = new TenantRegistry(platform);
    this.platformJdbc = JdbcClient.create(platform);
    this.servers = new DatabaseServers(platform);
    this.operations = new TenantOperations(platform);
    this.drains = new ServerDrains(platform);
    this.providers = new TenantProviders(platform);
    this.cipher = cipher;
    this.pg = new PgClient(settings.pgBin());
  }

  @Override
  public MoveSource checkMove(UUID tenantId, String targetServerId) {
    Tenant tenant = placedTenant(tenantId);
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
    refuseSameCluster(tenant.databaseServerId(), targetServerId, tenantId);
    if (providers.provider(tenantId) == DatabaseProvider.SUPABASE) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenantId + " lives in a Supabase project");
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
    refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    TenantCredentials credentials = TenantCredentials.decrypt(cipher, tenant);
    String owner = sourceOwner(in);
    ServerAdmin target = admin(in.targetServerId());
    try (Connection c = target.maintenance().getConnection()) {
      for (String role : List.of(owner, credentials.username())) {
        // The tenant's own database under its first name is not foreign: a move back onto a
        // server that keeps the tenant's old copy (in its grace) after a replace-restore renamed
        // the live one meets it there.
        String ownFirstName = TenantDatabaseNames.of(in.tenantId()).database();
        List<String> foreign =
            ServerAdmin.foreignTenantDatabases(c, role, in.database()).stream()
                .filter(d -> !d.equals(ownFirstName))
                .toList();
        if (!foreign.isEmpty()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "role "
                  + role
                  + " exists on server "
                  + in.targetServerId()
                  + " and may connect to another tenant's database ("
                  + String.join(", ", foreign)
                  + "); it is not adopted");
        }
      }
      ServerAdmin.ensureRole(c, owner, "NOLOGIN");
      ServerAdmin.ensureRole(
          c, credentials.username(), "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
      // The same password as at the source, as a SCRAM verifier computed here: it never reaches
      // the server's statement log, and the registry's encrypted copy stays valid.
      c.unwrap(PGConnection.class)
          .alterUserPassword(
              credentials.username(), credentials.password().toCharArray(), "scram-sha-256");
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("prepare_move_target", in.tenantId(), e);
    }
    createEmpty(target, in, owner, credentials.username());
  }

  @Override
  public void dropTarget(MoveInput in) {
    Tenant tenant =
        registry
            .findById(in.tenantId())
            .orElseThrow(() -> StepFailure.tenantMissing(in.tenantId()));
    if (sharedTrialDatabase(tenant, in.database())) {
      log.warn(
          "tenant {}: {} is a shared trial database; not dropped", in.tenantId(), in.database());
      return;
    }
    if (onTarget(tenant, in)) {
      log.warn("tenant {}: points at {} already; target not dropped", in.tenantId(), in.database());
      return;
    }
    if (sameCluster(in.sourceServerId(), in.targetServerId())) {
      log.warn("tenant {}: target is the source's cluster; nothing dropped", in.tenantId());
      return;
    }
    dropDatabaseAndUnusedRoles(in.targetServerId(), in, "undo_prepare_move_target");
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
    Tenant tenant =
        registry
            .findById(in.tenantId())
            .orElseThrow(() -> StepFailure.tenantMissing(in.tenantId()));
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
      return manifestOf(admin(in.targetServerId()), in);
    }
    requireOnSource(tenant, in);
    refuseSameCluster(in.sourceServerId(), in.targetServerId(), in.tenantId());
    String owner = sourceOwner(in);
    ServerAdmin source = admin(in.sourceServerId());
    ServerAdmin target = admin(in.targetServerId());
    // A retry starts again on an empty database.
    createEmpty(target, in, owner, appRole(tenant));
    long started = System.nanoTime();
    try (Connection snapshot = source.unpooled(in.database()).getConnection()) {
      int serverMajor =
          Integer.parseInt(BackupActivitiesImpl.single(snapshot, "SHOW server_version_num"))
              / 10000;
      if (serverMajor > pg.dumpMajorVersion()) {
        throw StepFailure.of(
            FailureType.MISCONFIGURED,
            "pg_dump is version "
                + pg.dumpMajorVersion()
                + " but server "
                + in.sourceServerId()
                + " runs PostgreSQL "
                + serverMajor
                + "; install postgresql-client "
                + serverMajor
                + " or newer (or set TASKIFAI_PG_BIN)");
      }
      snapshot.setAutoCommit(false);
      snapshot.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      snapshot.setReadOnly(true);
      String snapshotId = BackupActivitiesImpl.single(snapshot, "SELECT pg_export_snapshot()");
      Map<String, Long> counts = BackupActivitiesImpl.rowCounts(snapshot);
      String schemaVersion = BackupActivitiesImpl.schemaVersion(snapshot);
      int dumpExit;
      int restoreExit;
      String dumpErrors;
      String restoreErrors;
      try (OwnerLogin login = OwnerLogin.open(target, owner, "copy_database");
          PgClient.Started dump =
              pg.start(
                  "pg_dump",
                  source.jdbcUrl(),
                  source.username(),
                  source.password(),
                  in.database(),
                  List.of("--format=custom", "--compress=1", "--snapshot=" + snapshotId));
          PgClient.Started restore =
              pg.start(
                  "pg_restore",
                  target.jdbcUrl(),
                  login.role(),
                  login.password(),
                  in.database(),
                  PgClient.RESTORE_OPTIONS)) {
        try (InputStream from = new BackupActivitiesImpl.Heartbeating(dump.stdout());
            OutputStream to = restore.process().getOutputStream()) {
          from.transferTo(to);
        } catch (IOException e) {
          // pg_restore stopped reading (or pg_dump died): the exit codes and errors tell why
          log.warn("tenant {}: copy stream broke: {}", in.tenantId(), e.getMessage());
        }
        dumpExit = BackupActivitiesImpl.waitFor(dump.process());
        restoreExit = BackupActivitiesImpl.waitFor(restore.process());
        dumpErrors = dump.errors();
        restoreErrors = restore.errors();
      }
      snapshot.commit();
      if (dumpExit != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE, "pg_dump exited with " + dumpExit + ": " + dumpErrors);
      }
      if (restoreExit != 0) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "pg_restore exited with " + restoreExit + ": " + restoreErrors);
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
      return new CopyManifest(schemaVersion, counts);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("copy_database", in.tenantId(), e);
    } catch (IOException e) {
      throw StepFailure.of(FailureType.UNAVAILABLE, "copy failed: " + e.getMessage());
    } finally {
      target.release(in.database());
    }
  }

  @Override
  public void verifyCopy(MoveInput in, CopyManifest manifest) {
    CopyManifest actual = manifestOf(admin(in.targetServerId()), in);
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
    Tenant tenant =
        registry
            .findById(in.tenantId())
            .orElseThrow(() -> StepFailure.tenantMissing(in.tenantId()));
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
    if (sameCluster(in.sourceServerId(), tenant.databaseServerId())) {
      log.warn("tenant {}: its database is on the source's cluster; not dropped", in.tenantId());
      return;
    }
    dropDatabaseAndUnusedRoles(in.sourceServerId(), in, "retire_source");
  }

  @Override
  public String placeTarget(UUID tenantId, String sourceServerId) {
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
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

  @Override
  public void close() {
    pools.close();
  }

  // ---- helpers ----

  /**
   * Whether {@code database} is a server's shared trial database (or the tenant a trial): no step
   * of a move may copy, drop, fence or re-password it, since every trial on the server uses it.
   */
  private boolean sharedTrialDatabase(Tenant tenant, String database) {
    return tenant.isTrial()
        || platformJdbc
                .sql("SELECT count(*) FROM trial_databases WHERE database_name = :db")
                .param("db", database)
                .query(Integer.class)
                .single()
            > 0;
  }

  private void refuseSharedTrialDatabase(Tenant tenant, String database, String step) {
    if (sharedTrialDatabase(tenant, database)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          step
              + ": tenant "
              + tenant.tenantId()
              + " is a trial in the shared trial database "
              + database
              + ", which no move may touch: promote the trial first");
    }
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

  private void refuseSameCluster(String sourceServerId, String targetServerId, UUID tenantId) {
    if (sameCluster(sourceServerId, targetServerId)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          "database servers "
              + sourceServerId
              + " and "
              + targetServerId
              + " are the same PostgreSQL cluster; tenant "
              + tenantId
              + " is not moved (the copy would replace its own database)");
    }
  }

  /**
   * True when two server rows name the same cluster (roles are cluster-wide: a probe role made
   * through one is seen through the other). Two rows may name one cluster under different host
   * names; a move between them would drop the tenant's database to make room for its copy.
   */
  private boolean sameCluster(String oneServerId, String otherServerId) {
    if (oneServerId == null || otherServerId == null) {
      return false;
    }
    if (oneServerId.equals(otherServerId)) {
      return true;
    }
    String probe =
        "taskifai_probe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    ServerAdmin one = admin(oneServerId);
    ServerAdmin other = admin(otherServerId);
    try (Connection c = one.maintenance().getConnection()) {
      ServerAdmin.execute(c, "CREATE ROLE " + probe + " NOLOGIN");
      try (Connection d = other.maintenance().getConnection()) {
        return ServerAdmin.roleExists(d, probe);
      } finally {
        ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + probe);
      }
    } catch (SQLException e) {
      throw StepFailure.of(
          FailureType.UNAVAILABLE,
          "could not tell whether servers "
              + oneServerId
              + " and "
              + otherServerId
              + " are one cluster: "
              + e.getMessage());
    }
  }

  /** The owner of the source database (the role the dump's objects belong to). */
  private String sourceOwner(MoveInput in) {
    ServerAdmin source = admin(in.sourceServerId());
    try (Connection c = source.maintenance().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
      ps.setString(1, in.database());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw StepFailure.of(
              FailureType.INVALID_STATE,
              "database " + in.database() + " is missing on server " + in.sourceServerId());
        }
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("prepare_move_target", in.tenantId(), e);
    }
  }

  /** Creates the target database empty (dropping an earlier attempt's), as tenants' are. */
  private void createEmpty(ServerAdmin target, MoveInput in, String owner, String app) {
    try {
      IsolatedDatabase.replace(target, in.database(), owner, app);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("prepare_move_target", in.tenantId(), e);
    }
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
      SwapFence.readOnly(source, in.database(), sourceOwner(in), appRole, on);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure(
          on ? "hold_writes" : "undo_hold_writes", in.tenantId(), e);
    }
  }

  /**
   * The source after the swap: read-only (set again, in case) and CONNECT revoked for the app role,
   * its sessions ended. A source dropped already (retired) is done.
   */
  private void closeSource(Tenant tenant, MoveInput in, String appRole) {
    refuseSharedTrialDatabase(tenant, in.database(), "swap_server");
    if (sameCluster(in.sourceServerId(), in.targetServerId())) {
      return; // the target is the source: closing it would close the tenant's own database
    }
    ServerAdmin source = admin(in.sourceServerId());
    try {
      try (Connection c = source.maintenance().getConnection()) {
        if (!ServerAdmin.databaseExists(c, in.database())) {
          return;
        }
      }
      SwapFence.readOnly(source, in.database(), sourceOwner(in), appRole, true);
      SwapFence.close(source, in.database(), appRole);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("swap_server", in.tenantId(), e);
    }
  }

  private CopyManifest manifestOf(ServerAdmin admin, MoveInput in) {
    try (Connection c = admin.unpooled(in.database()).getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Map<String, Long> counts = BackupActivitiesImpl.rowCounts(c);
      String schema = BackupActivitiesImpl.schemaVersion(c);
      c.commit();
      return new CopyManifest(schema, counts);
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure("verify_copy", in.tenantId(), e);
    }
  }

  /**
   * Drops the move's database on a server, then the tenant's roles there when no database of the
   * tenant is left on it and they reach no other tenant's database.
   */
  private void dropDatabaseAndUnusedRoles(String serverId, MoveInput in, String step) {
    TenantDatabaseNames names = TenantDatabaseNames.of(in.tenantId());
    if (!in.database().startsWith(names.database())) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          in.database() + " is not a database of tenant " + in.tenantId());
    }
    ServerAdmin admin = admin(serverId);
    admin.release(in.database());
    try (Connection c = admin.maintenance().getConnection()) {
      String owner = names.ownerRole();
      try (PreparedStatement ps =
          c.prepareStatement("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
        ps.setString(1, in.database());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            owner = rs.getString(1);
          }
        }
      }
      if (ServerAdmin.roleExists(c, owner)) {
        ServerAdmin.grantRoleToAdmin(c, owner);
      }
      ServerAdmin.execute(c, "DROP DATABASE IF EXISTS " + in.database() + " WITH (FORCE)");
      if (ServerAdmin.exists(
          c, "SELECT 1 FROM pg_database WHERE datname ~ ?", "^" + names.database())) {
        return; // another database of the tenant (a restore's copy) still needs its roles
      }
      for (String role : List.of(names.appRole(), owner)) {
        if (ServerAdmin.roleExists(c, role)
            && ServerAdmin.foreignTenantDatabases(c, role, "").isEmpty()) {
          ServerAdmin.execute(c, "DROP ROLE IF EXISTS " + role);
        }
      }
    } catch (SQLException e) {
      throw TenantDatabaseActivitiesImpl.databaseFailure(step, in.tenantId(), e);
    }
    log.info("tenant {}: dropped {} on server {}", in.tenantId(), in.database(), serverId);
  }

  private Tenant placedTenant(UUID tenantId) {
    Tenant tenant =
        registry.findById(tenantId).orElseThrow(() -> StepFailure.tenantMissing(tenantId));
    if (tenant.databaseServerId() == null
        || tenant.databaseName() == null
        || !tenant.hasCredentials()) {
      throw StepFailure.of(
          FailureType.INVALID_STATE, "tenant " + tenantId + " has no database to move");
    }
    return tenant;
  }

  private DatabaseServers.Server server(String serverId) {
    return servers.find(serverId).orElseThrow(() -> StepFailure.serverMissing(serverId));
  }

  private ServerAdmin admin(String serverId) {
    return new ServerAdmin(server(serverId), cipher, pools);
  }
}
