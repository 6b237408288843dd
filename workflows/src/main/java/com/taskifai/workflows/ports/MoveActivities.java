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
