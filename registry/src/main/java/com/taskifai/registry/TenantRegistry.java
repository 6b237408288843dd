package com.taskifai.registry;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The tenant registry in the platform database, in plain JDBC. Every write is a single statement,
 * and a trigger on the table sends {@code NOTIFY tenant_changed} for each changed row.
 */
public final class TenantRegistry {
  private static final String COLUMNS =
      "tenant_id, subdomain, company_name, admin_email, status, is_active, region,"
          + " database_server_id, database_name, database_url, database_key, metadata::text AS metadata,"
          + " created_at, updated_at, verified_at, activated_at, suspended_at, deleted_at, tier";

  private final JdbcClient jdbc;
  private final FleetMigrations fleetMigrations;
  private final TenantOperations operations;

  public TenantRegistry(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
    this.fleetMigrations = new FleetMigrations(dataSource);
    this.operations = new TenantOperations(dataSource);
  }

  /** The claim every operation on a tenant takes, on the same platform database. */
  public TenantOperations operations() {
    return operations;
  }

  /** Schema versions and fleet rollouts, on the same platform database. */
  public FleetMigrations fleetMigrations() {
    return fleetMigrations;
  }

  /** The values a new tenant starts with. */
  public record Reservation(
      UUID tenantId, String subdomain, String companyName, String adminEmail, String region) {}

  /**
   * Reserves a subdomain for a tenant in status PROVISIONING. Idempotent: a second call with the
   * same tenant id returns the existing row.
   *
   * @throws SubdomainTakenException when another live tenant holds the subdomain
   */
  public Tenant reserve(Reservation r) {
    Optional<Tenant> existing = findById(r.tenantId());
    if (existing.isPresent()) {
      if (!existing.get().subdomain().equals(r.subdomain())) {
        throw new IllegalStateException(
            "tenant " + r.tenantId() + " already holds subdomain " + existing.get().subdomain());
      }
      return existing.get();
    }
    try {
      jdbc.sql(
              "INSERT INTO tenants (tenant_id, subdomain, company_name, admin_email, region, status)"
                  + " VALUES (:id, :subdomain, :company, :email, :region, 'PROVISIONING')")
          .param("id", r.tenantId())
          .param("subdomain", r.subdomain())
          .param("company", r.companyName())
          .param("email", r.adminEmail())
          .param("region", r.region())
          .update();
    } catch (DuplicateKeyException e) {
      Optional<Tenant> holder = findLiveBySubdomain(r.subdomain());
      if (holder.isPresent() && !holder.get().tenantId().equals(r.tenantId())) {
        throw new SubdomainTakenException(r.subdomain(), holder.get().tenantId());
      }
      // Lost a race against our own retry: the row is ours.
    }
    return findById(r.tenantId()).orElseThrow();
  }

  public Optional<Tenant> findById(UUID tenantId) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM tenants WHERE tenant_id = :id")
        .param("id", tenantId)
        .query(TenantRegistry::map)
        .optional();
  }

  /** The tenant that holds the subdomain now (any status but FAILED and DELETED). */
  public Optional<Tenant> findLiveBySubdomain(String subdomain) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM tenants WHERE subdomain = :s AND status NOT IN ('FAILED', 'DELETED')")
        .param("s", subdomain)
        .query(TenantRegistry::map)
        .optional();
  }

  /** Tenants in the given statuses, oldest first. */
  public List<Tenant> findByStatus(Collection<TenantStatus> statuses) {
    if (statuses.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(
            "SELECT " + COLUMNS + " FROM tenants WHERE status IN (:statuses) ORDER BY created_at")
        .param("statuses", statuses.stream().map(Enum::name).toList())
        .query(TenantRegistry::map)
        .list();
  }

  /**
   * A page of tenants, newest first, optionally filtered by status and a search in name/subdomain.
   */
  public List<Tenant> list(TenantStatus status, String search, int offset, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM tenants WHERE true");
    var params = new java.util.HashMap<String, Object>();
    appendFilters(sql, params, status, search);
    sql.append(" ORDER BY created_at DESC, tenant_id LIMIT :limit OFFSET :offset");
    params.put("limit", limit);
    params.put("offset", offset);
    return jdbc.sql(sql.toString()).params(params).query(TenantRegistry::map).list();
  }

  /** How many tenants {@link #list} would page through. */
  public long count(TenantStatus status, String search) {
    StringBuilder sql = new StringBuilder("SELECT count(*) FROM tenants WHERE true");
    var params = new java.util.HashMap<String, Object>();
    appendFilters(sql, params, status, search);
    return jdbc.sql(sql.toString()).params(params).query(Long.class).single();
  }

  private static void appendFilters(
      StringBuilder sql, Map<String, Object> params, TenantStatus status, String search) {
    if (status != null) {
      sql.append(" AND status = :status");
      params.put("status", status.name());
    }
    if (search != null && !search.isBlank()) {
      sql.append(" AND (subdomain ILIKE :q OR company_name ILIKE :q OR admin_email ILIKE :q)");
      params.put(
          "q", "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
    }
  }

  /** Number of tenants in each status; every status is present, zero where none. */
  public Map<TenantStatus, Long> countByStatus() {
    Map<TenantStatus, Long> counts = new EnumMap<>(TenantStatus.class);
    for (TenantStatus s : TenantStatus.values()) {
      counts.put(s, 0L);
    }
    jdbc.sql("SELECT status, count(*) FROM tenants GROUP BY status")
        .query((rs, i) -> counts.put(TenantStatus.valueOf(rs.getString(1)), rs.getLong(2)))
        .list();
    return counts;
  }

  /**
   * Moves a tenant to a status and sets the columns that go with it (is_active, suspended_at,
   * activated_at, verified_at, deleted_at). Idempotent: setting the status it already has only
   * touches nothing but updated_at.
   *
   * @return false when no tenant has that id
   */
  public boolean setStatus(UUID tenantId, TenantStatus status) {
    return jdbc.sql(
                "UPDATE tenants SET status = :status"
                    + columnsFor(status)
                    + " WHERE tenant_id = :id")
            .param("status", status.name())
            .param("id", tenantId)
            .update()
        == 1;
  }

  /**
   * Moves a tenant to {@code to} only if it is in one of {@code from}; the check and the change are
   * one statement, so two concurrent callers cannot both win.
   *
   * @return true when the row moved (or already had status {@code to})
   */
  public boolean transition(UUID tenantId, Collection<TenantStatus> from, TenantStatus to) {
    Tenant t = findById(tenantId).orElse(null);
    if (t == null) {
      return false;
    }
    if (t.status() == to) {
      return true;
    }
    if (!from.contains(t.status())) {
      return false;
    }
    return jdbc.sql(
                "UPDATE tenants SET status = :to"
                    + columnsFor(to)
                    + " WHERE tenant_id = :id AND status IN (:from)")
            .param("to", to.name())
            .param("id", tenantId)
            .param("from", from.stream().map(Enum::name).toList())
            .update()
        == 1;
  }

  /** The columns that change together with the status; only ACTIVE serves traffic. */
  private static String columnsFor(TenantStatus status) {
    return switch (status) {
      case ACTIVE ->
          ", is_active = true, suspended_at = NULL, activated_at = COALESCE(activated_at, now())";
      case SUSPENDED -> ", is_active = false, suspended_at = COALESCE(suspended_at, now())";
      case DELETED -> ", is_active = false, deleted_at = COALESCE(deleted_at, now())";
      default -> ", is_active = false";
    };
  }

  /** Records that the admin verified the e-mail address; a second call keeps the first time. */
  public void markVerified(UUID tenantId) {
    jdbc.sql("UPDATE tenants SET verified_at = COALESCE(verified_at, now()) WHERE tenant_id = :id")
        .param("id", tenantId)
        .update();
  }

  /** Records on which server and under which name the tenant database lives. */
  public void assignDatabase(UUID tenantId, String serverId, String databaseName) {
    jdbc.sql(
            "UPDATE tenants SET database_server_id = :server, database_name = :db WHERE tenant_id = :id")
        .param("server", serverId)
        .param("db", databaseName)
        .param("id", tenantId)
        .update();
  }

  /**
   * Places a tenant as a trial in the shared trial database {@code databaseName} of server {@code
   * serverId}, with its encrypted credentials, in one statement.
   */
  public void placeTrial(
      UUID tenantId,
      String serverId,
      String databaseName,
      TenantCredentials.EncryptedCredentials encrypted) {
    jdbc.sql(
            "UPDATE tenants SET tier = 'trial', database_server_id = :server, database_name = :db,"
                + " database_url = :url, database_key = :key WHERE tenant_id = :id")
        .param("server", serverId)
        .param("db", databaseName)
        .param("url", encrypted.databaseUrl())
        .param("key", encrypted.databaseKey())
        .param("id", tenantId)
        .update();
  }

  /**
   * Points a trial tenant at its own database in one statement (tier, database name, credentials)
   * while {@code operationId} holds it; its writes stay held until the operation is released.
   * Idempotent.
   *
   * @return false when {@code operationId} does not hold the tenant
   */
  public boolean promoteToDedicated(
      UUID tenantId,
      String operationId,
      String databaseName,
      TenantCredentials.EncryptedCredentials encrypted) {
    return jdbc.sql(
                "UPDATE tenants SET tier = 'dedicated', database_name = :db, database_url = :url,"
                    + " database_key = :key WHERE tenant_id = :id AND operation_id = :opid")
            .param("db", databaseName)
            .param("url", encrypted.databaseUrl())
            .param("key", encrypted.databaseKey())
            .param("id", tenantId)
            .param("opid", operationId)
            .update()
        == 1;
  }

  /** Stores the encrypted credentials (ciphertext only; see {@link TenantCredentials#encrypt}). */
  public void storeCredentials(UUID tenantId, TenantCredentials.EncryptedCredentials encrypted) {
    jdbc.sql("UPDATE tenants SET database_url = :url, database_key = :key WHERE tenant_id = :id")
        .param("url", encrypted.databaseUrl())
        .param("key", encrypted.databaseKey())
        .param("id", tenantId)
        .update();
  }

  /** Erases the credentials; erasing credentials that are already gone is done. */
  public void eraseCredentials(UUID tenantId) {
    jdbc.sql("UPDATE tenants SET database_url = NULL, database_key = NULL WHERE tenant_id = :id")
        .param("id", tenantId)
        .update();
  }

  /** Replaces the tenant's metadata (a JSON object). */
  public void updateMetadata(UUID tenantId, String metadataJson) {
    jdbc.sql("UPDATE tenants SET metadata = CAST(:m AS jsonb) WHERE tenant_id = :id")
        .param("m", metadataJson)
        .param("id", tenantId)
        .update();
  }

  /** Tenants whose ciphertexts need a pass of {@code reencrypt}; used by key rotation. */
  List<Tenant> withCredentials() {
    return new ArrayList<>(
        jdbc.sql("SELECT " + COLUMNS + " FROM tenants WHERE database_url IS NOT NULL")
            .query(TenantRegistry::map)
            .list());
  }

  static Tenant map(ResultSet rs, int row) throws SQLException {
    return new Tenant(
        rs.getObject("tenant_id", UUID.class),
        rs.getString("subdomain"),
        rs.getString("company_name"),
        rs.getString("admin_email"),
        TenantStatus.valueOf(rs.getString("status")),
        rs.getBoolean("is_active"),
        rs.getString("region"),
        rs.getString("database_server_id"),
        rs.getString("database_name"),
        rs.getString("database_url"),
        rs.getString("database_key"),
        rs.getString("metadata"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        instant(rs, "verified_at"),
        instant(rs, "activated_at"),
        instant(rs, "suspended_at"),
        instant(rs, "deleted_at"),
        rs.getString("tier"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}
