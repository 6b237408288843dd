package com.taskifai.registry;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code tenant_exports} table: one row per portable archive of a tenant's data. A row is
 * REQUESTED until its workflow runs, RUNNING while the archive is written, READY once the encrypted
 * object, its sizes and manifest summary are recorded and a download link is issued, FAILED (with
 * the stored object removed) otherwise, and DELETED once retention removed its object ({@link
 * #expired}, {@link #markDeleted}). The link is kept only as the SHA-256 of its token.
 */
public final class TenantExports {
  private static final String COLUMNS =
      "export_id, tenant_id, status, requested_by, store, object_key, data_key, archive_bytes,"
          + " stored_bytes, sha256, manifest::text AS manifest, token_hash, link_version,"
          + " expires_at, downloaded_at, error, created_at, finished_at, final_copy, deleted_at";

  private final JdbcClient jdbc;

  public TenantExports(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** One export row. {@code dataKey} is ciphertext; {@link #toString()} leaves it out. */
  public record Export(
      UUID exportId,
      UUID tenantId,
      String status,
      String requestedBy,
      String store,
      String objectKey,
      String dataKey,
      Long archiveBytes,
      Long storedBytes,
      String sha256,
      String manifest,
      String tokenHash,
      int linkVersion,
      Instant expiresAt,
      Instant downloadedAt,
      String error,
      Instant createdAt,
      Instant finishedAt,
      boolean finalCopy,
      Instant deletedAt) {

    public boolean ready() {
      return "READY".equals(status);
    }

    /** Deleted by retention (or by hand): its stored object is gone. */
    public boolean deleted() {
      return "DELETED".equals(status);
    }

    @Override
    public String toString() {
      return "Export[" + exportId + ", tenant " + tenantId + ", " + status + "]";
    }
  }

  /** How a download attempt went. */
  public enum Claim {
    /** The link was valid and is now used. */
    CLAIMED,
    /** No export of the tenant has this token (never issued, or replaced by a newer link). */
    UNKNOWN,
    /** The link was used already. */
    USED,
    /** The link is past its expiry. */
    EXPIRED
  }

  /** Records a REQUESTED export; a second call with the same id keeps the first row. */
  public void request(UUID exportId, UUID tenantId, String requestedBy) {
    jdbc.sql(
            "INSERT INTO tenant_exports (export_id, tenant_id, requested_by) VALUES (:id, :t, :by)"
                + " ON CONFLICT (export_id) DO NOTHING")
        .param("id", exportId)
        .param("t", tenantId)
        .param("by", requestedBy)
        .update();
  }

  /**
   * Records the REQUESTED export an offboarding fills as the customer's final copy: retention keeps
   * it longer than the others ({@link #expired}). A second call with the same id keeps the first
   * row.
   */
  public void requestFinal(UUID exportId, UUID tenantId, String requestedBy) {
    jdbc.sql(
            "INSERT INTO tenant_exports (export_id, tenant_id, requested_by, final_copy)"
                + " VALUES (:id, :t, :by, true) ON CONFLICT (export_id) DO NOTHING")
        .param("id", exportId)
        .param("t", tenantId)
        .param("by", requestedBy)
        .update();
  }

  /**
   * What retention deletes: the READY exports whose current link expired before {@code
   * linkExpiredBefore} (its expiry plus the grace) and, for a final copy, that were also written
   * before {@code finalWrittenBefore}; and the DELETED exports whose stored object is not known to
   * be gone yet ({@code deleted_at} unset: a pass that failed half-way, or a row marked by hand).
   * Oldest first, at most {@code limit}.
   */
  public List<Export> expired(Instant linkExpiredBefore, Instant finalWrittenBefore, int limit) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM tenant_exports WHERE (status = 'READY' AND expires_at < :link"
                + " AND (NOT final_copy OR coalesce(finished_at, created_at) < :final))"
                + " OR (status = 'DELETED' AND deleted_at IS NULL AND object_key IS NOT NULL)"
                + " ORDER BY expires_at NULLS FIRST, export_id LIMIT :limit")
        .param("link", Timestamp.from(linkExpiredBefore))
        .param("final", Timestamp.from(finalWrittenBefore))
        .param("limit", limit)
        .query(TenantExports::map)
        .list();
  }

  /**
   * Marks a READY export DELETED before its object is removed, unless its link was renewed since
   * retention chose it: no link can be issued or used from now on. True when marked (or DELETED
   * already), false when it is READY with another link version or in another state.
   */
  public boolean markDeleting(UUID exportId, int linkVersion) {
    int changed =
        jdbc.sql(
                "UPDATE tenant_exports SET status = 'DELETED', token_hash = NULL"
                    + " WHERE export_id = :id AND status = 'READY' AND link_version = :v")
            .param("id", exportId)
            .param("v", linkVersion)
            .update();
    return changed == 1 || find(exportId).map(Export::deleted).orElse(false);
  }

  /**
   * Records that a DELETED export's stored object is gone; false when another pass recorded it
   * first.
   */
  public boolean objectDeleted(UUID exportId) {
    return jdbc.sql(
                "UPDATE tenant_exports SET deleted_at = now() WHERE export_id = :id"
                    + " AND status = 'DELETED' AND deleted_at IS NULL")
            .param("id", exportId)
            .update()
        == 1;
  }

  /**
   * Records a REQUESTED export the tenant's own admin asked for on the routed API; the worker
   * starts its workflow ({@link #tenantRequests}). A second call with the same id keeps the first
   * row.
   */
  public void requestByTenant(UUID exportId, UUID tenantId, String requestedBy) {
    jdbc.sql(
            "INSERT INTO tenant_exports (export_id, tenant_id, requested_by, requested_via)"
                + " VALUES (:id, :t, :by, 'tenant') ON CONFLICT (export_id) DO NOTHING")
        .param("id", exportId)
        .param("t", tenantId)
        .param("by", requestedBy)
        .update();
  }

  /** The tenants' own REQUESTED exports, oldest first, at most {@code limit}. */
  public List<Export> tenantRequests(int limit) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM tenant_exports WHERE status = 'REQUESTED' AND requested_via = 'tenant'"
                + " ORDER BY created_at, export_id LIMIT :limit")
        .param("limit", limit)
        .query(TenantExports::map)
        .list();
  }

  /**
   * Marks the export RUNNING with where its object goes and its sealed data key; a retry of a
   * RUNNING export keeps the data key it had. False when the export is not REQUESTED or RUNNING.
   */
  public boolean start(UUID exportId, String store, String objectKey, String encryptedDataKey) {
    return jdbc.sql(
                "UPDATE tenant_exports SET status = 'RUNNING', store = :store, object_key = :key,"
                    + " data_key = COALESCE(data_key, :dk)"
                    + " WHERE export_id = :id AND status IN ('REQUESTED', 'RUNNING')")
            .param("store", store)
            .param("key", objectKey)
            .param("dk", encryptedDataKey)
            .param("id", exportId)
            .update()
        == 1;
  }

  /** Records what a RUNNING export stored (it stays RUNNING until its link is issued). */
  public void stored(
      UUID exportId, long archiveBytes, long storedBytes, String sha256, String manifestJson) {
    jdbc.sql(
            "UPDATE tenant_exports SET archive_bytes = :a, stored_bytes = :s, sha256 = :sha,"
                + " manifest = CAST(:m AS jsonb) WHERE export_id = :id AND status = 'RUNNING'")
        .param("a", archiveBytes)
        .param("s", storedBytes)
        .param("sha", sha256)
        .param("m", manifestJson)
        .param("id", exportId)
        .update();
  }

  /**
   * Issues a link: the export becomes READY (if it was RUNNING with a stored object) with a new
   * token hash, link version and expiry, and no download yet. False when the export is neither
   * RUNNING with its object stored nor READY, or {@code linkVersion} is not the next one.
   */
  public boolean issueLink(UUID exportId, int linkVersion, String tokenHash, Instant expiresAt) {
    return jdbc.sql(
                "UPDATE tenant_exports SET status = 'READY', token_hash = :hash,"
                    + " link_version = :v, expires_at = :exp, downloaded_at = NULL,"
                    + " finished_at = COALESCE(finished_at, now())"
                    + " WHERE export_id = :id AND link_version = :v - 1"
                    + " AND (status = 'READY' OR (status = 'RUNNING' AND sha256 IS NOT NULL))")
            .param("hash", tokenHash)
            .param("v", linkVersion)
            .param("exp", Timestamp.from(expiresAt))
            .param("id", exportId)
            .update()
        == 1;
  }

  /**
   * Uses a link once: marks the READY export of the tenant whose token hash this is downloaded, if
   * it was not yet and has not expired at {@code now}; otherwise says why not.
   */
  public Claim claimDownload(UUID tenantId, UUID exportId, String tokenHash, Instant now) {
    int claimed =
        jdbc.sql(
                "UPDATE tenant_exports SET downloaded_at = :now WHERE export_id = :id"
                    + " AND tenant_id = :t AND status = 'READY' AND token_hash = :hash"
                    + " AND downloaded_at IS NULL AND expires_at > :now")
            .param("now", Timestamp.from(now))
            .param("id", exportId)
            .param("t", tenantId)
            .param("hash", tokenHash)
            .update();
    if (claimed == 1) {
      return Claim.CLAIMED;
    }
    Optional<Export> row =
        find(exportId)
            .filter(e -> e.tenantId().equals(tenantId) && tokenHash.equals(e.tokenHash()));
    if (row.isEmpty() || !row.get().ready()) {
      return Claim.UNKNOWN;
    }
    return row.get().downloadedAt() != null ? Claim.USED : Claim.EXPIRED;
  }

  /** Marks a REQUESTED or RUNNING export FAILED with a reason (no secret in it). */
  public void fail(UUID exportId, String error) {
    jdbc.sql(
            "UPDATE tenant_exports SET status = 'FAILED', error = :error, finished_at = now()"
                + " WHERE export_id = :id AND status IN ('REQUESTED', 'RUNNING')")
        .param("error", error)
        .param("id", exportId)
        .update();
  }

  public Optional<Export> find(UUID exportId) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM tenant_exports WHERE export_id = :id")
        .param("id", exportId)
        .query(TenantExports::map)
        .optional();
  }

  /** A tenant's exports, newest first. */
  public List<Export> forTenant(UUID tenantId) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM tenant_exports WHERE tenant_id = :t AND status <> 'DELETED'"
                + " ORDER BY created_at DESC, export_id")
        .param("t", tenantId)
        .query(TenantExports::map)
        .list();
  }

  private static Export map(ResultSet rs, int row) throws SQLException {
    return new Export(
        rs.getObject("export_id", UUID.class),
        rs.getObject("tenant_id", UUID.class),
        rs.getString("status"),
        rs.getString("requested_by"),
        rs.getString("store"),
        rs.getString("object_key"),
        rs.getString("data_key"),
        (Long) rs.getObject("archive_bytes"),
        (Long) rs.getObject("stored_bytes"),
        rs.getString("sha256"),
        rs.getString("manifest"),
        rs.getString("token_hash"),
        rs.getInt("link_version"),
        instant(rs, "expires_at"),
        instant(rs, "downloaded_at"),
        rs.getString("error"),
        instant(rs, "created_at"),
        instant(rs, "finished_at"),
        rs.getBoolean("final_copy"),
        instant(rs, "deleted_at"));
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }
}
