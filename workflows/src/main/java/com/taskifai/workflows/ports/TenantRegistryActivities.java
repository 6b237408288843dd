package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Registry writes of the provisioning and lifecycle workflows. Each method is idempotent. */
@ActivityInterface
public interface TenantRegistryActivities {

  /**
   * Creates the registry row in PROVISIONING. A second call with the same tenant id finds its row
   * and returns; a live tenant with another id on the subdomain fails non-retryably
   * (SUBDOMAIN_TAKEN).
   */
  @ActivityMethod(name = "reserve_tenant")
  void reserveTenant(ReserveTenantInput input);

  /** Undo of reserve_tenant: status FAILED (which frees the subdomain), reason in the audit log. */
  @ActivityMethod(name = "undo_reserve_tenant")
  void releaseTenant(FailureRecord input);

  /**
   * Picks an OPEN database server in the tenant's region with room and records it with the database
   * name (derived from the tenant id) in the registry. A second call returns the recorded
   * placement.
   */
  @ActivityMethod(name = "place_database")
  DatabasePlacement placeDatabase(StepInput input);

  /**
   * Moves the app role's credentials that create_database staged (encrypted) into the tenant row's
   * database_url and database_key. A second call finds them stored and returns.
   */
  @ActivityMethod(name = "store_credentials")
  void storeCredentials(StepInput input);

  /** Undo of store_credentials: erases database_url and database_key; erasing nothing is done. */
  @ActivityMethod(name = "undo_store_credentials")
  void eraseCredentials(StepInput input);

  /** Status AWAITING_VERIFICATION (from PROVISIONING; already there is done). */
  @ActivityMethod(name = "mark_awaiting_verification")
  void markAwaitingVerification(StepInput input);

  /** Records verified_at; a second call keeps the first time. */
  @ActivityMethod(name = "mark_verified")
  void markVerified(StepInput input);

  /** Status ACTIVE, is_active, activated_at; the registry trigger notifies the routers. */
  @ActivityMethod(name = "activate_tenant")
  void activateTenant(StepInput input);

  /** Status ROLLBACK_FAILED with the failed compensation in the audit log. */
  @ActivityMethod(name = "mark_rollback_failed")
  void markRollbackFailed(FailureRecord input);

  /** Status SUSPENDED (from ACTIVE), is_active false, suspended_at. */
  @ActivityMethod(name = "suspend_tenant")
  void suspendTenant(StepInput input);

  /** Status ACTIVE again (from SUSPENDED). */
  @ActivityMethod(name = "reactivate_tenant")
  void reactivateTenant(StepInput input);

  /**
   * Status DELETING (from any status but DELETED), is_active false: traffic stops at once. Claims
   * the tenant for OFFBOARDING (the offboarding's workflow id) first and fails, non-retryable and
   * with nothing changed, while another operation holds it; a second call is a no-op.
   */
  @ActivityMethod(name = "mark_deleting")
  void markDeleting(StepInput input);

  /** Status DELETED, deleted_at; frees the subdomain and ends the OFFBOARDING claim. */
  @ActivityMethod(name = "mark_deleted")
  void markDeleted(StepInput input);

  /** Appends an audit row for a workflow event that is not an activity. */
  @ActivityMethod(name = "record_audit")
  void recordAudit(AuditRecord input);
}
