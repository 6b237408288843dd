package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Moving a tenant database to another server (copy, verify, swap, retire) and draining a server. No
 * input or result carries a secret: the app password and the servers' admin passwords stay in the
 * registry (encrypted) and in the activity's memory.
 */
@ActivityInterface
public interface MoveActivities {

  /**
   * One move: the tenant, where its database is and where it goes, the database's name (the same on
   * both servers) and the operation id that holds the tenant.
   */
  record MoveInput(
      UUID tenantId,
      String sourceServerId,
      String targetServerId,
      String database,
      String operationId)
      implements TenantScoped {}

  /** Where the tenant's database is now. */
  record MoveSource(String serverId, String database) {}

  /** What the copy read at the source, in the snapshot it was dumped from. */
  record CopyManifest(String schemaVersion, Map<String, Long> rowCounts) {}

  /**
   * How a move copies: {@code online} (logical replication, writes held only for the changeover) or
   * not, and why not ({@code reason}, null when online).
   */
  record CopyMode(boolean online, String reason) {}

  /**
   * Where the target's subscription stands: whether every table finished its initial copy ({@code
   * tablesSynced} of {@code tables}), the bytes of source WAL it has not confirmed, the seconds
   * since it last heard from the source (null before it did), the rows written on the target so
   * far, and whether it has caught up (every table copied, lag under the threshold, no error).
   * {@code error} says, while the target's subscription keeps failing (its apply or table-copy
   * worker erred again during the call), what failed; null while it works. Results recorded before
   * the field read it as null.
   */
  record ReplicationLag(
      int tables,
      int tablesSynced,
      long lagBytes,
      Double lagSeconds,
      long rowsCopied,
      boolean caughtUp,
      String error) {
    public ReplicationLag(
        int tables,
        int tablesSynced,
        long lagBytes,
        Double lagSeconds,
        long rowsCopied,
        boolean caughtUp) {
      this(tables, tablesSynced, lagBytes, lagSeconds, rowsCopied, caughtUp, null);
    }
  }

  /**
   * Checks the target (registered, OPEN, another server) and the tenant (placed, with credentials).
   *
   * @return where the tenant's database is now
   */
  @ActivityMethod(name = "check_move")
  MoveSource checkMove(UUID tenantId, String targetServerId);

  /**
   * On the target server: the tenant's owner role (NOLOGIN) and app role (LOGIN, the same password
   * as at the source, set as a SCRAM verifier computed here), and a new empty database of the same
   * name owned by the owner role, CONNECT for the tenant's roles only (PUBLIC revoked). An earlier
   * attempt's database is dropped first.
   */
  @ActivityMethod(name = "prepare_move_target")
  void prepareTarget(MoveInput input);

  /**
   * Drops the target database (and the tenant's roles there when no database of the tenant is left
   * on that server), unless the tenant points at it already.
   */
  @ActivityMethod(name = "undo_prepare_move_target")
  void dropTarget(MoveInput input);

  /**
   * Holds the tenant's writes: the registry flag (routers answer writes with 503 + Retry-After)
   * and, as a fence for a router that has not seen it yet, the source database read-only for new
   * sessions with the app role's sessions ended. Reads keep working.
   */
  @ActivityMethod(name = "hold_writes")
  void holdWrites(MoveInput input);

  /** Lifts the hold: the source database writable again, the registry flag off. */
  @ActivityMethod(name = "undo_hold_writes")
  void releaseWrites(MoveInput input);

  /**
   * {@code pg_dump -Fc} of the source inside an exported snapshot streamed into {@code pg_restore}
   * on the target database (emptied first, so a retry starts again), logged in there as the
   * tenant's owner role with the archive's owners and grants left out, then the app role's grants;
   * the manifest is the row count per table and the schema version read in that snapshot.
   */
  @ActivityMethod(name = "copy_database")
  CopyManifest copyDatabase(MoveInput input);

  /** Schema version and row count per table of the target database against the manifest. */
  @ActivityMethod(name = "verify_copy")
  void verifyCopy(MoveInput input, CopyManifest manifest);

  /**
   * Whether this move can copy online: the source has {@code wal_level = logical} and a free slot,
   * the target can subscribe, and every table of the tenant has a primary key (an update of a table
   * without one would fail on the source while it is published). Reads only; any answer is safe to
   * repeat.
   */
  @ActivityMethod(name = "check_online_move")
  CopyMode checkOnlineMove(MoveInput input);

  /**
   * The source's schema ({@code pg_dump --schema-only}, no publications) restored into the target
   * database, emptied first, as the tenant's owner role without the archive's owners and grants,
   * then the app role's grants: as {@code copy_database}, without rows. A retry starts again.
   */
  @ActivityMethod(name = "copy_schema")
  void copySchema(MoveInput input);

  /**
   * On the source: a temporary {@code LOGIN REPLICATION} role of this move with a random password
   * (known to this activity and the target's subscription only), SELECT on the tenant's tables, a
   * publication for all tables and a logical replication slot; on the target: an enabled
   * subscription through that role, copying every table and then streaming. Whatever an earlier
   * attempt left is dropped first, so a retry starts again.
   */
  @ActivityMethod(name = "start_replication")
  void startReplication(MoveInput input);

  /**
   * Waits (heartbeating the lag) up to a few seconds for the subscription to catch up: every table
   * copied and the lag under a small threshold.
   *
   * @return where the subscription stands; the workflow asks again until {@code caughtUp}
   */
  @ActivityMethod(name = "catch_up")
  ReplicationLag catchUp(MoveInput input);

  /**
   * With writes held: waits until the sessions that could write have ended, then until the
   * subscription has confirmed the source's current WAL position (lag 0). Fails (retryably) when it
   * does not within a limit.
   */
  @ActivityMethod(name = "await_zero_lag")
  ReplicationLag awaitZeroLag(MoveInput input);

  /**
   * Sets every sequence of the target database to the source's value (logical replication does not
   * carry them), so new rows get ids above every copied one. Idempotent.
   *
   * @return the number of sequences set
   */
  @ActivityMethod(name = "set_sequences")
  int setSequences(MoveInput input);

  /**
   * The target against the source, both still: the schema version, the row count of each table and
   * a checksum of each table's primary keys must match.
   */
  @ActivityMethod(name = "verify_replica")
  void verifyReplica(MoveInput input);

  /**
   * Drops what {@code start_replication} made: the subscription on the target, the replication
   * slots of the source database, the publication and the temporary role. Dropping what is not
   * there is done; a server that does not answer fails the step (retried).
   */
  @ActivityMethod(name = "stop_replication")
  void stopReplication(MoveInput input);

  /**
   * Points the tenant at the target in one registry transaction (server, database, URL; writes no
   * longer held); the routers follow the notification. The app role's sessions on the source end.
   * Idempotent.
   */
  @ActivityMethod(name = "swap_server")
  void swapServer(MoveInput input);

  /**
   * Drops the source database (and the tenant's roles on the source server when no database of the
   * tenant is left there). Refused while the tenant points at it; dropping what is not there is
   * done.
   */
  @ActivityMethod(name = "retire_source")
  void retireSource(MoveInput input);

  /**
   * The server a drain moves the tenant to: an OPEN server in the tenant's region with room, least
   * loaded first, never {@code sourceServerId}. Fails non-retryably naming the region when none
   * fits.
   */
  @ActivityMethod(name = "place_move_target")
  String placeTarget(UUID tenantId, String sourceServerId);

  /**
   * The tenants a drain moves off the server (ACTIVE or SUSPENDED, with a database of their own;
   * never a trial).
   */
  @ActivityMethod(name = "list_drain_tenants")
  List<UUID> drainTenants(String serverId);

  /**
   * The live trials on the server: a drain does not move them (their rows are in the server's
   * shared trial database); each needs promoting or offboarding before the server closes.
   */
  @ActivityMethod(name = "list_drain_trials")
  List<UUID> drainTrials(String serverId);

  /**
   * Sets a DRAINING server CLOSED when no live tenant is left on it.
   *
   * @return the live tenants still on it (0: closed)
   */
  @ActivityMethod(name = "close_drained_server")
  int closeDrainedServer(String serverId);
}
