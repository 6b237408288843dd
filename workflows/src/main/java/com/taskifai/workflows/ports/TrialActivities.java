package com.taskifai.workflows.ports;

import com.taskifai.workflows.ports.MoveActivities.CopyMode;
import com.taskifai.workflows.ports.MoveActivities.ReplicationLag;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.Map;
import java.util.UUID;

/**
 * The steps of the pooled trial tier: placing a trial in its server's shared trial database, and
 * promoting a trial to a database of its own. Every step is idempotent and takes ids only.
 */
@ActivityInterface
public interface TrialActivities {
  /**
   * Creates the server's shared trial database on first use (roles, database, schema, isolation
   * policies; idempotent) and places the tenant in it: tier trial, database name, encrypted
   * credentials of the shared app role.
   */
  @ActivityMethod(name = "place_trial")
  void placeTrial(StepInput input);

  /** Undo of place_trial: erases the tenant's credentials; the shared database stays. */
  @ActivityMethod(name = "undo_place_trial")
  void undoPlaceTrial(StepInput input);

  /** Registers the trial in the shared database: vendor configs and the first admin user. */
  @ActivityMethod(name = "register_trial_tenant")
  void registerTrialTenant(StepInput input);

  /** Undo of register_trial_tenant: deletes every row of the trial from the shared database. */
  @ActivityMethod(name = "undo_register_trial_tenant")
  void unregisterTrialTenant(StepInput input);

  /**
   * Claims the tenant for the promotion (operation PROMOTING, idempotent for the same id); fails
   * INVALID_STATE when the tenant is no active trial or another operation holds it.
   */
  @ActivityMethod(name = "claim_promotion")
  void claimPromotion(UUID tenantId, String operationId);

  /** Ends the promotion's claim (and any write hold). */
  @ActivityMethod(name = "release_promotion")
  void releasePromotion(UUID tenantId, String operationId);

  /**
   * Holds the trial's writes: the registry's write hold (routers answer 503 + Retry-After) and the
   * shared database's fence, which waits for running trial transactions.
   */
  @ActivityMethod(name = "hold_trial_writes")
  void holdWrites(UUID tenantId, String operationId);

  /** Undo of hold_trial_writes. */
  @ActivityMethod(name = "undo_hold_trial_writes")
  void releaseWrites(UUID tenantId, String operationId);

  /**
   * Copies the trial's rows into its dedicated database; returns rows copied per table. Heartbeats.
   */
  @ActivityMethod(name = "copy_trial_rows")
  Map<String, Long> copyTrialRows(UUID tenantId);

  /**
   * Compares rows per table of the trial in the shared database with the dedicated database; a
   * difference fails the step for good.
   */
  @ActivityMethod(name = "verify_trial_copy")
  Map<String, Long> verifyTrialCopy(UUID tenantId);

  /**
   * Points the tenant at its dedicated database in one registry statement (tier dedicated, name,
   * credentials of its own app role); the writes stay held until release_promotion.
   */
  @ActivityMethod(name = "swap_to_dedicated")
  void swapToDedicated(UUID tenantId, String operationId);

  /**
   * Undo of swap_to_dedicated: points the tenant back at the shared trial database (its writes are
   * still held, so nothing was written to the new database).
   */
  @ActivityMethod(name = "undo_swap_to_dedicated")
  void undoSwapToDedicated(UUID tenantId, String operationId);

  /** Deletes the promoted tenant's rows from the shared trial database. */
  @ActivityMethod(name = "delete_trial_rows")
  void deleteTrialRows(UUID tenantId);

  /**
   * Whether the promotion can copy online (logical replication with a row filter: the trial's
   * server needs {@code wal_level = logical}, a free slot and PostgreSQL 15) and why not. Reads
   * only.
   */
  @ActivityMethod(name = "check_online_promotion")
  CopyMode checkOnlinePromotion(UUID tenantId);

  /**
   * Starts copying the trial's rows into its new database online: the shared tables' replica
   * identity made to include {@code tenant_id} (once per database, an index built concurrently), a
   * {@code tenant_id} column in the new database's tables to land the rows in, then the
   * row-filtered publication, the slot, the role and the subscription. Starts from scratch on a
   * second call.
   */
  @ActivityMethod(name = "start_trial_replication")
  void startTrialReplication(UUID tenantId);

  /** Waits a few seconds for the new database to catch up, heartbeating where it stands. */
  @ActivityMethod(name = "trial_catch_up")
  ReplicationLag trialCatchUp(UUID tenantId);

  /**
   * Writes held (hold_trial_writes): waits until the new database confirmed every write of the
   * shared database so far. Ends no session (the shared sessions serve other trials). Idempotent.
   */
  @ActivityMethod(name = "await_trial_zero_lag")
  ReplicationLag awaitTrialZeroLag(UUID tenantId);

  /** Sets the new database's sequences to the shared database's values; returns how many. */
  @ActivityMethod(name = "set_trial_sequences")
  int setTrialSequences(UUID tenantId);

  /**
   * Drops the subscription, the trial's slot, publication and role (no other trial's), and the
   * landing {@code tenant_id} columns of the new database. Also the undo of
   * start_trial_replication; a second call is a no-op.
   */
  @ActivityMethod(name = "stop_trial_replication")
  void stopTrialReplication(UUID tenantId);

  /**
   * Compares, per table, the count and a checksum of the primary keys of the trial's rows in the
   * shared database with its new database; a difference fails the step for good. Returns the rows
   * per table.
   */
  @ActivityMethod(name = "verify_trial_replica")
  Map<String, Long> verifyTrialReplica(UUID tenantId);
}
