package com.taskifai.activities.database;

import com.taskifai.activities.StepFailure;
import com.taskifai.registry.Tenant;
import com.taskifai.workflows.FailureType;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The guard that keeps the per-tenant database steps (backup, restore, move) off the servers'
 * shared trial databases: every trial on a server uses its one, so no step may copy, dump, drop,
 * fence or re-password it. Trials leave it by promotion.
 */
public final class SharedTrialDatabases {
  private final JdbcClient platform;

  public SharedTrialDatabases(DataSource platform) {
    this.platform = JdbcClient.create(platform);
  }

  /** Whether the tenant is a trial or {@code database} is a server's shared trial database. */
  boolean touches(Tenant tenant, String database) {
    return tenant.isTrial()
        || platform
                .sql("SELECT count(*) FROM trial_databases WHERE database_name = :db")
                .param("db", database)
                .query(Integer.class)
                .single()
            > 0;
  }

  /**
   * Fails INVALID_STATE when {@link #touches}: "{@code step}: tenant {id} is a trial in the shared
   * trial database[ {database}]{@code then}".
   */
  void refuse(Tenant tenant, String database, String step, boolean named, String then) {
    if (touches(tenant, database)) {
      throw StepFailure.of(
          FailureType.INVALID_STATE,
          (step == null ? "" : step + ": ")
              + "tenant "
              + tenant.tenantId()
              + " is a trial in the shared trial database"
              + (named ? " " + database : "")
              + then);
    }
  }
}
