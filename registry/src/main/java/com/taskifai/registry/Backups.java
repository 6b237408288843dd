package com.taskifai.registry;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code backups} table: one row per backup of a tenant database. A row is RUNNING while the
 * dump streams into the store and becomes GOOD only once the stored object, its digest and its
 * manifest are recorded; a failed or half-uploaded backup is FAILED and never offered for restore.
 */
public final class Backups {
  private static final String COLUMNS =
      "backup_id, tenant_id, status, trigger, store, object_key, data_key, sha256, size_bytes,"
          + " database_name, schema_version, server_version, manifest::text AS manifest, error,"
          + " started_at, finished_at, deleted_at";

  private final JdbcClient jdbc;

  public Backups(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** One backup row. {@code dataKey} is ciphertext; {@link #toString()} leaves it out. */
  public record Backup(
      UUID backupId,
      UUID tenantId,
      String status,
      String trigger,
      String store,
      String objectKey,
      String dataKey,
      String sha256,
      Long sizeBytes,
      String databaseName,
      String schemaVersion,
      String serverVersion,
      String manifest,
      String error,
      Instant startedAt,
      Instant finishedAt,
      Instant deletedAt) {

    public boolean good() {
      return "GOOD".equals(status);
    }

    @Override
    public String toString() {
      return "Backup[" + backupId + ", tenant " + tenantId + ", " + status + "]";
    }
  }

  /** Records a RUNNING backup; a second call with the same id keeps the first row. */
  public void start(
      UUID backupId,
      UUID tenantId,
      String trigger,
      String store,
      String objectKey,
      String encryptedDataKey) {
    jdbc.sql(
            "INSERT INTO backups (backup_id, tenant_id, trigger, store, object_key, data_key)"
                + " VALUES (:id, :tenant, :trigger, :store, :key, :dk) ON CONFLICT (backup_id) DO NOTHING")
        .param("id", backupId)
        .param("tenant", tenantId)
        .param("trigger", trigger)
        .param("store", store)
        .param("key", objectKey)
        .param("dk", encryptedDataKey)
        .update();
  }

  /** Marks a RUNNING backup GOOD with what was stored; false when it is not RUNNING. */
  public boolean complete(
      UUID backupId,
      String sha256,
      long sizeBytes,
      String databaseName,
      String schemaVersion,
      String serverVersion,
      String manifestJson) {
    return jdbc.sql(
                "UPDATE backups SET status = 'GOOD', sha256 = :sha, size_bytes = :size,"
                    + " database_name = :db, schema_version = :schema, server_version = :server,"
                    + " manifest = CAST(:manifest AS jsonb), error = NULL, finished_at = now()"
                    + " WHERE backup_id = :id AND status = 'RUNNING'")
            .param("sha", sha256)
            .param("size", sizeBytes)
            .param("db", databaseName)
            .param("schema", schemaVersion)
            .param("server", serverVersion)
            .param("manifest", manifestJson)
            .param("id", backupId)
            .update()
        == 1;
  }

  /** Marks a backup that is not GOOD as FAILED with a reason (no secret in it). */
  public void fail(UUID backupId, String error) {
    jdbc.sql(
            "UPDATE backups SET status = 'FAILED', error = :error, finished_at = now()"
                + " WHERE backup_id = :id AND status IN ('RUNNING', 'FAILED')")
        .param("error", error)
        .param("id", backupId)
        .update();
  }

  /** Marks a backup deleted (its object is gone from the store). */
  public void markDeleted(UUID backupId) {
    jdbc.sql(
            "UPDATE backups SET status = 'DELETED', deleted_at = COALESCE(deleted_at, now())"
                + " WHERE backup_id = :id")
        .param("id", backupId)
        .update();
  }

  public Optional<Backup> find(UUID backupId) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM backups WHERE backup_id = :id")
        .param("id", backupId)
        .query(Backups::map)
        .optional();
  }

  /** A tenant's backups, newest first, deleted ones left out. */
  public List<Backup> forTenant(UUID tenantId) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM backups WHERE tenant_id = :t AND status <> 'DELETED'"
                + " ORDER BY started_at DESC, backup_id")
        .param("t", tenantId)
        .query(Backups::map)
        .list();
  }

  /**
   * The GOOD backups of a tenant that retention removes: finished before {@code cutoff}, and not
   * among the newest {@code keepNewest} GOOD backups. Backups that are not GOOD are expired by age
   * alone.
   */
  public List<Backup> expired(UUID tenantId, Instant cutoff, int keepNewest) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM (SELECT b.*, CASE WHEN status = 'GOOD' THEN row_number() OVER"
                + " (PARTITION BY status = 'GOOD' ORDER BY finished_at DESC, backup_id) END AS rank"
                + " FROM backups b WHERE tenant_id = :t AND status IN ('GOOD', 'FAILED')) x"
                + " WHERE started_at < :cutoff AND (rank IS NULL OR rank > :keep)"
                + " ORDER BY started_at")
        .param("t", tenantId)
        .param("cutoff", java.sql.Timestamp.from(cutoff))
        .param("keep", keepNewest)
        .query(Backups::map)
        .list();
  }

  /** The tenant's GOOD backup taken by offboarding (its final backup), if any. */
  public Optional<Backup> finalBackup(UUID tenantId) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM backups WHERE tenant_id = :t AND trigger = 'offboarding'"
                + " AND status = 'GOOD' ORDER BY finished_at DESC LIMIT 1")
        .param("t", tenantId)
        .query(Backups::map)
        .optional();
  }

  /**
   * The backups of DELETED tenants that retention removes: offboarding (final) backups started
   * before {@code finalCutoff}, any other before {@code cutoff}. No backup is kept by count: the
   * tenant is gone.
   */
  public List<Backup> expiredOfDeletedTenants(Instant finalCutoff, Instant cutoff) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM backups b WHERE b.status IN ('GOOD', 'FAILED')"
                + " AND EXISTS (SELECT 1 FROM tenants t WHERE t.tenant_id = b.tenant_id"
                + " AND t.status = 'DELETED')"
                + " AND b.started_at < CASE WHEN b.trigger = 'offboarding' THEN CAST(:finalCutoff AS timestamptz)"
                + " ELSE CAST(:cutoff AS timestamptz) END"
                + " ORDER BY b.started_at")
        .param("finalCutoff", java.sql.Timestamp.from(finalCutoff))
        .param("cutoff", java.sql.Timestamp.from(cutoff))
        .query(Backups::map)
        .list();
  }

  /**
   * For each ACTIVE or SUSPENDED tenant: when its newest GOOD backup finished (or, without one,
   * when the tenant was activated), and that backup's duration and size.
   */
  public record Freshness(
      UUID tenantId, Instant newestGood, Instant since, Double durationSeconds, Long sizeBytes) {}

  public List<Freshness> freshness() {
    return jdbc.sql(
            "SELECT t.tenant_id, b.finished_at, COALESCE(b.finished_at, t.activated_at, t.created_at) AS since,"
                + " EXTRACT(EPOCH FROM (b.finished_at - b.started_at)) AS duration, b.size_bytes"
                + " FROM tenants t LEFT JOIN LATERAL (SELECT finished_at, started_at, size_bytes"
                + " FROM backups WHERE tenant_id = t.tenant_id AND status = 'GOOD'"
                + " ORDER BY finished_at DESC LIMIT 1) b ON true"
                + " WHERE t.status IN ('ACTIVE', 'SUSPENDED')")
        .query(
            (rs, i) -> {
              double d = rs.getDouble("duration");
              Double duration = rs.wasNull() ? null : d;
              long size = rs.getLong("size_bytes");
              Long sizeBytes = rs.wasNull() ? null : size;
              return new Freshness(
                  rs.getObject("tenant_id", UUID.class),
                  TenantRegistry.instant(rs, "finished_at"),
                  TenantRegistry.instant(rs, "since"),
                  duration,
                  sizeBytes);
            })
        .list();
  }

  static Backup map(ResultSet rs, int row) throws SQLException {
    long size = rs.getLong("size_bytes");
    Long sizeBytes = rs.wasNull() ? null : size;
    return new Backup(
        rs.getObject("backup_id", UUID.class),
        rs.getObject("tenant_id", UUID.class),
        rs.getString("status"),
        rs.getString("trigger"),
        rs.getString("store"),
        rs.getString("object_key"),
        rs.getString("data_key"),
        rs.getString("sha256"),
        sizeBytes,
        rs.getString("database_name"),
        rs.getString("schema_version"),
        rs.getString("server_version"),
        rs.getString("manifest"),
        rs.getString("error"),
        TenantRegistry.instant(rs, "started_at"),
        TenantRegistry.instant(rs, "finished_at"),
        TenantRegistry.instant(rs, "deleted_at"));
  }
}
