package com.taskifai.workflows.ports;

import com.taskifai.workflows.TenantScoped;
import com.taskifai.workflows.ports.BackupActivities.RestoreTarget;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Instant;
import java.util.UUID;

/**
 * Restores of one tenant's database to a point in time from its server's WAL archive: a scratch
 * PostgreSQL restored to the moment holding only that database, the database copied from it into a
 * new database beside the tenant's, the copy checked, and the scratch instance removed. The swap,
 * the seal of a copy and the drop are the backup restore's ({@link BackupActivities}). No input or
 * result carries a secret.
 */
@ActivityInterface
public interface PointInTimeActivities {

  /**
   * One restore to a time: {@code restoreId} ({@code [a-z0-9]{1,12}}) names the new database and
   * the scratch folder, {@code operationId} the tenant's claim.
   */
  record PointInTimeInput(UUID tenantId, String restoreId, Instant at, String operationId)
      implements TenantScoped {}

  /**
   * Restores the tenant's server's archive as it was at {@code at} into a new scratch data folder
   * holding only the tenant's database (pgBackRest {@code --type=time --db-include}). Refused
   * (non-retryable) when the tenant's server has no archive or pgbackrest is missing. A second call
   * stops a scratch instance an earlier attempt left running and starts again from an empty folder.
   */
  @ActivityMethod(name = "restore_scratch")
  void restoreScratch(PointInTimeInput input);

  /**
   * Creates the new empty database the copy fills ({@code <tenant database>_r<restore id>}) on the
   * tenant's server, owned by the tenant's owner role, CONNECT for the tenant's roles only. A
   * second call starts again from an empty one.
   */
  @ActivityMethod(name = "prepare_point_in_time_copy")
  RestoreTarget preparePointInTimeCopy(PointInTimeInput input);

  /**
   * Starts a scratch PostgreSQL on the restored folder (another free port), waits until it has
   * recovered to {@code at} and promoted, and copies the tenant's database from it with pg_dump
   * into {@code database} (emptied first), restored as the tenant's owner role; records the copy's
   * manifest (schema version, rows per table) in the scratch folder and stops the scratch instance.
   * A second call starts again on an emptied database.
   */
  @ActivityMethod(name = "copy_from_scratch")
  void copyFromScratch(PointInTimeInput input, String database);

  /**
   * Schema version and row count per table of the new database against the manifest {@code
   * copy_from_scratch} recorded. Read-only.
   */
  @ActivityMethod(name = "verify_point_in_time_copy")
  void verifyCopy(PointInTimeInput input, String database);

  /**
   * Stops the scratch instance if it runs and deletes its folder. Removing what is not there is
   * done.
   */
  @ActivityMethod(name = "remove_scratch")
  void removeScratch(PointInTimeInput input);

  /**
   * For a tenant whose database is a provider's project (Supabase): the provider's own
   * point-in-time restore of the project's database in place to {@code at}, waited for until the
   * project is healthy again. Refused (non-retryable) when the project has no point-in-time
   * recovery or {@code at} is outside its range. A second call waits for a restore it finds running
   * instead of sending another.
   */
  @ActivityMethod(name = "restore_by_provider")
  void restoreByProvider(PointInTimeInput input);
}
