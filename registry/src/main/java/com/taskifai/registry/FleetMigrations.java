package com.taskifai.registry;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Fleet schema migrations in the platform database: the tenant schema version of each tenant
 * ({@code tenants.schema_version}), the rollouts ({@code fleet_migrations}) and one result per
 * tenant and rollout ({@code fleet_migration_tenants}). Every write is one idempotent statement.
 */
public final class FleetMigrations {
  /** The lifecycle statuses whose databases a rollout migrates. */
  public static final List<TenantStatus> MIGRATED =
      List.of(TenantStatus.ACTIVE, TenantStatus.SUSPENDED);

  private final JdbcClient jdbc;

  public FleetMigrations(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** One rollout as the registry holds it. */
  public record Migration(
      String migrationId,
      String targetVersion,
      String state,
      String phase,
      String reason,
      String requestedBy,
      String optionsJson,
      Instant createdAt,
      Instant updatedAt,
      Instant finishedAt) {

    /** True once the rollout ended (COMPLETED, ABORTED or FAILED). */
    public boolean finished() {
      return finishedAt != null;
    }
  }

  /** One tenant's result within a rollout. */
  public record TenantResult(
      UUID tenantId,
      String subdomain,
      boolean canary,
      String state,
      String fromVersion,
      String toVersion,
      int applied,
      String error,
      Instant startedAt,
      Instant finishedAt) {}

  /** A tenant a rollout still has to migrate, with the server its database lives on. */
  public record Candidate(UUID tenantId, String serverId, String schemaVersion) {}

  // ---- schema versions -------------------------------------------------------------------------

  /** Records the Flyway version the tenant database is at. */
  public void recordSchemaVersion(UUID tenantId, String version) {
    jdbc.sql(
            "UPDATE tenants SET schema_version = :v WHERE tenant_id = :id"
                + " AND schema_version IS DISTINCT FROM :v")
        .param("v", version)
        .param("id", tenantId)
        .update();
  }

  /**
   * Records the tenant schema version of a server's shared trial database on every trial tenant
   * placed there (each row changed notifies the routers).
   *
   * @return the trials updated
   */
  public int recordTrialSchemaVersion(String serverId, String version) {
    return jdbc.sql(
            "UPDATE tenants SET schema_version = :v WHERE tier = 'trial'"
                + " AND database_server_id = :s AND schema_version IS DISTINCT FROM :v")
        .param("v", version)
        .param("s", serverId)
        .update();
  }

  /** True when the server's shared trial database has been made ({@code trial_databases.ready}). */
  public boolean trialDatabaseReady(String serverId) {
    return jdbc.sql("SELECT ready FROM trial_databases WHERE server_id = :s")
        .param("s", serverId)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }

  /** The recorded schema version; empty when none is recorded (or no such tenant). */
  public Optional<String> schemaVersion(UUID tenantId) {
    return jdbc.sql("SELECT schema_version FROM tenants WHERE tenant_id = :id")
        .param("id", tenantId)
        .query((rs, i) -> Optional.ofNullable(rs.getString(1)))
        .optional()
        .flatMap(v -> v);
  }

  /**
   * Up to {@code limit} ACTIVE or SUSPENDED dedicated tenants (trials share their server's trial
   * database, which a rollout migrates once per server) with a database whose recorded version is
   * not {@code target}, in tenant id order after {@code after} (null: from the start).
   */
  public List<Candidate> candidates(String target, UUID after, int limit) {
    return jdbc.sql(
            "SELECT tenant_id, database_server_id, schema_version FROM tenants"
                + " WHERE status IN ('ACTIVE', 'SUSPENDED') AND database_server_id IS NOT NULL"
                + " AND database_name IS NOT NULL AND tier = 'dedicated'"
                + " AND schema_version IS DISTINCT FROM :target"
                + " AND (CAST(:after AS uuid) IS NULL OR tenant_id > CAST(:after AS uuid))"
                + " ORDER BY tenant_id LIMIT :limit")
        .param("target", target)
        .param("after", after == null ? null : after.toString())
        .param("limit", limit)
        .query(
            (rs, i) -> new Candidate(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)))
        .list();
  }

  /** How many tenants the rollout to {@code target} still has to migrate. */
  public long remaining(String target) {
    return jdbc.sql(
            "SELECT count(*) FROM tenants WHERE status IN ('ACTIVE', 'SUSPENDED')"
                + " AND database_server_id IS NOT NULL AND database_name IS NOT NULL"
                + " AND tier = 'dedicated' AND schema_version IS DISTINCT FROM :target")
        .param("target", target)
        .query(Long.class)
        .single();
  }

  // ---- schema extensions ----------------------------------------------------------------------

  /** A schema extension enabled for a tenant, with the version applied (null until applied). */
  public record Extension(String name, String version, String enabledBy, Instant enabledAt) {}

  /** Enables an extension for a tenant; enabling it again changes nothing. */
  public void enableExtension(UUID tenantId, String name, String enabledBy) {
    jdbc.sql(
            "INSERT INTO tenant_extensions (tenant_id, name, enabled_by) VALUES (:t, :n, :by)"
                + " ON CONFLICT (tenant_id, name) DO NOTHING")
        .param("t", tenantId)
        .param("n", name)
        .param("by", enabledBy)
        .update();
  }

  /** Records the version of the extension the tenant database is at. */
  public void recordExtensionVersion(UUID tenantId, String name, String version) {
    jdbc.sql(
            "UPDATE tenant_extensions SET version = :v, applied_at = now()"
                + " WHERE tenant_id = :t AND name = :n")
        .param("v", version)
        .param("t", tenantId)
        .param("n", name)
        .update();
  }

  /** The tenant's enabled extensions, by name. */
  public List<Extension> extensions(UUID tenantId) {
    return jdbc.sql(
            "SELECT name, version, enabled_by, enabled_at FROM tenant_extensions"
                + " WHERE tenant_id = :t ORDER BY name")
        .param("t", tenantId)
        .query(
            (rs, i) ->
                new Extension(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    TenantRegistry.instant(rs, "enabled_at")))
        .list();
  }

  // ---- rollouts --------------------------------------------------------------------------------

  /** Creates the rollout's row in RUNNING; a second call with the same id changes nothing. */
  public void create(String migrationId, String targetVersion, String requestedBy, String options) {
    jdbc.sql(
            "INSERT INTO fleet_migrations (migration_id, target_version, requested_by, options)"
                + " VALUES (:id, :target, :by, CAST(:options AS jsonb))"
                + " ON CONFLICT (migration_id) DO NOTHING")
        .param("id", migrationId)
        .param("target", targetVersion)
        .param("by", requestedBy)
        .param("options", options == null ? "{}" : options)
        .update();
  }

  /** Records the resolved target version and the phase. */
  public void setPhase(String migrationId, String phase, String targetVersion) {
    jdbc.sql(
            "UPDATE fleet_migrations SET phase = :phase,"
                + " target_version = COALESCE(:target, target_version) WHERE migration_id = :id")
        .param("phase", phase)
        .param("target", targetVersion)
        .param("id", migrationId)
        .update();
  }

  /**
   * Sets the state and its reason; a final state (COMPLETED, ABORTED, FAILED) also records the end
   * time and phase DONE. A finished rollout keeps its final state.
   */
  public void setState(String migrationId, String state, String reason) {
    boolean last = state.equals("COMPLETED") || state.equals("ABORTED") || state.equals("FAILED");
    jdbc.sql(
            "UPDATE fleet_migrations SET state = :state, reason = :reason"
                + (last ? ", finished_at = COALESCE(finished_at, now()), phase = 'DONE'" : "")
                + " WHERE migration_id = :id AND finished_at IS NULL")
        .param("state", state)
        .param("reason", reason)
        .param("id", migrationId)
        .update();
  }

  public Optional<Migration> find(String migrationId) {
    return jdbc.sql(
            "SELECT * , options::text AS options_text FROM fleet_migrations WHERE migration_id = :id")
        .param("id", migrationId)
        .query(FleetMigrations::map)
        .optional();
  }

  /** The newest rollouts first. */
  public List<Migration> list(int limit) {
    return jdbc.sql(
            "SELECT *, options::text AS options_text FROM fleet_migrations"
                + " ORDER BY created_at DESC, migration_id LIMIT :limit")
        .param("limit", limit)
        .query(FleetMigrations::map)
        .list();
  }

  /** The rollout that has not finished yet, if any. */
  public Optional<Migration> unfinished() {
    return jdbc.sql(
            "SELECT *, options::text AS options_text FROM fleet_migrations"
                + " WHERE finished_at IS NULL ORDER BY created_at LIMIT 1")
        .query(FleetMigrations::map)
        .optional();
  }

  // ---- per-tenant results ----------------------------------------------------------------------

  /** The tenant's migration in this rollout starts (again, on a retry). */
  public void tenantStarted(String migrationId, UUID tenantId, boolean canary, String fromVersion) {
    jdbc.sql(
            "INSERT INTO fleet_migration_tenants"
                + " (migration_id, tenant_id, canary, state, from_version)"
                + " VALUES (:m, :t, :canary, 'RUNNING', :from)"
                + " ON CONFLICT (migration_id, tenant_id) DO UPDATE SET state = 'RUNNING',"
                + " error = NULL, finished_at = NULL, canary = EXCLUDED.canary,"
                + " from_version = COALESCE(fleet_migration_tenants.from_version,"
                + " EXCLUDED.from_version)")
        .param("m", migrationId)
        .param("t", tenantId)
        .param("canary", canary)
        .param("from", fromVersion)
        .update();
  }

  /** The tenant's migration ended: DONE, FAILED (with the error) or SKIPPED. */
  public void tenantFinished(
      String migrationId,
      UUID tenantId,
      boolean canary,
      String state,
      String toVersion,
      int applied,
      String error) {
    jdbc.sql(
            "INSERT INTO fleet_migration_tenants"
                + " (migration_id, tenant_id, canary, state, to_version, applied, error,"
                + " finished_at) VALUES (:m, :t, :canary, :state, :to, :applied, :error, now())"
                + " ON CONFLICT (migration_id, tenant_id) DO UPDATE SET state = EXCLUDED.state,"
                + " to_version = EXCLUDED.to_version, applied = EXCLUDED.applied,"
                + " error = EXCLUDED.error, finished_at = EXCLUDED.finished_at")
        .param("m", migrationId)
        .param("t", tenantId)
        .param("canary", canary)
        .param("state", state)
        .param("to", toVersion)
        .param("applied", applied)
        .param("error", error)
        .update();
  }

  /** Number of tenants of the rollout in each state (RUNNING, DONE, FAILED, SKIPPED). */
  public Map<String, Long> counts(String migrationId) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String s : List.of("RUNNING", "DONE", "FAILED", "SKIPPED")) {
      counts.put(s, 0L);
    }
    jdbc.sql(
            "SELECT state, count(*) FROM fleet_migration_tenants WHERE migration_id = :m"
                + " GROUP BY state")
        .param("m", migrationId)
        .query((rs, i) -> counts.put(rs.getString(1), rs.getLong(2)))
        .list();
    return counts;
  }

  /** The rollout's tenants in a state (all states when null), at most {@code limit}. */
  public List<TenantResult> tenants(String migrationId, String state, int limit) {
    return jdbc.sql(
            "SELECT r.*, t.subdomain FROM fleet_migration_tenants r"
                + " LEFT JOIN tenants t ON t.tenant_id = r.tenant_id"
                + " WHERE r.migration_id = :m AND (CAST(:state AS text) IS NULL OR r.state = :state)"
                + " ORDER BY r.started_at, r.tenant_id LIMIT :limit")
        .param("m", migrationId)
        .param("state", state)
        .param("limit", limit)
        .query(
            (rs, i) ->
                new TenantResult(
                    rs.getObject("tenant_id", UUID.class),
                    rs.getString("subdomain"),
                    rs.getBoolean("canary"),
                    rs.getString("state"),
                    rs.getString("from_version"),
                    rs.getString("to_version"),
                    rs.getInt("applied"),
                    rs.getString("error"),
                    TenantRegistry.instant(rs, "started_at"),
                    TenantRegistry.instant(rs, "finished_at")))
        .list();
  }

  private static Migration map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new Migration(
        rs.getString("migration_id"),
        rs.getString("target_version"),
        rs.getString("state"),
        rs.getString("phase"),
        rs.getString("reason"),
        rs.getString("requested_by"),
        rs.getString("options_text"),
        TenantRegistry.instant(rs, "created_at"),
        TenantRegistry.instant(rs, "updated_at"),
        TenantRegistry.instant(rs, "finished_at"));
  }
}
