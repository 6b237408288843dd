package com.taskifai.workflows.ports;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Work inside the database server that holds the tenant database. Each method is idempotent. */
@ActivityInterface
public interface TenantDatabaseActivities {

  /**
   * Creates the tenant's owner role (NOLOGIN) and app role (LOGIN, a random password made once per
   * tenant and staged encrypted in the registry for store_credentials before the role gets it), the
   * database (from the template when the fast path is on), revokes everything from PUBLIC and
   * grants CONNECT to the tenant's roles only. A second call, even one running beside the first,
   * finds what exists and sets the same password; a call after the undo fails (INVALID_STATE).
   */
  @ActivityMethod(name = "create_database")
  void createDatabase(StepInput input);

  /**
   * Undo of create_database: waits for a running create_database of the tenant, fences off later
   * ones, drops the database and both roles; dropping nothing is done.
   */
  @ActivityMethod(name = "undo_create_database")
  void dropDatabase(StepInput input);

  /**
   * Flyway migrations of {@code db/tenant}; nothing to do when the database came from the template.
   */
  @ActivityMethod(name = "migrate_schema")
  void migrateSchema(StepInput input);

  /** Upserts the default vendor configurations. */
  @ActivityMethod(name = "seed_vendor_configs")
  void seedVendorConfigs(StepInput input);

  /** ENABLE and FORCE row level security and (re)creates the policies. */
  @ActivityMethod(name = "apply_rls")
  void applyRls(StepInput input);

  /**
   * Creates the first admin user with no password and a one-time set-password token (stored hashed,
   * expiring; the plain token staged encrypted for send_welcome_email). A second call finds the
   * admin.
   */
  @ActivityMethod(name = "create_admin_user")
  void createAdminUser(StepInput input);
}
