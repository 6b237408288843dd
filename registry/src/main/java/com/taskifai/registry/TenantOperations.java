package com.taskifai.registry;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a tenant is doing besides its lifecycle status ({@code tenants.operation}): at most one
 * operation at a time, one of {@link TenantOperationKind}. {@link #claim} is a single conditional
 * statement, so of two concurrent starts exactly one wins; the other learns which operation holds
 * the tenant. Every change goes through the {@code tenant_changed} notification like any tenant row
 * change.
 */
public final class TenantOperations {
  private final JdbcClient jdbc;

  public TenantOperations(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /**
   * How many tenants each operation holds now: every {@link TenantOperationKind}, zero where none
   * (a dashboard's "operations running").
   */
  public Map<TenantOperationKind, Long> countByOperation() {
    Map<TenantOperationKind, Long> counts = new EnumMap<>(TenantOperationKind.class);
    for (TenantOperationKind kind : TenantOperationKind.values()) {
      counts.put(kind, 0L);
    }
    jdbc.sql(
            "SELECT operation, count(*) FROM tenants WHERE operation IS NOT NULL GROUP BY"
                + " operation")
        .query(
            (rs, i) -> {
              try {
                counts.put(TenantOperationKind.valueOf(rs.getString(1)), rs.getLong(2));
              } catch (IllegalArgumentException unknown) {
                // A kind this process does not know (a newer release wrote it): not counted.
              }
              return null;
            })
        .list();
    return counts;
  }

  /** The operation that holds a tenant. */
  public record Held(String operation, String operationId) {
    /**
     * "tenant &lt;id&gt; is busy with &lt;operation&gt; (&lt;operation id&gt;)": what a refusal
     * says.
     */
    public String busy(UUID tenantId) {
      return "tenant " + tenantId + " is busy with " + operation + " (" + operationId + ")";
    }
  }

  /**
   * Claims the tenant for {@code operation}. Idempotent for the same {@code operationId}.
   *
   * @return empty when claimed; otherwise the operation that holds the tenant already
   */
  public Optional<Held> claim(UUID tenantId, TenantOperationKind operation, String operationId) {
    return claim(tenantId, operation.name(), operationId);
  }

  /**
   * Claims the tenant for the operation named {@code operation} (a {@link TenantOperationKind}).
   * Idempotent for the same {@code operationId}.
   *
   * @return empty when claimed; otherwise the operation that holds the tenant already
   * @throws IllegalArgumentException when {@code operation} is no {@link TenantOperationKind}
   */
  public Optional<Held> claim(UUID tenantId, String operation, String operationId) {
    TenantOperationKind.parse(operation);
    int updated =
        jdbc.sql(
                "UPDATE tenants SET operation = :op, operation_id = :opid,"
                    + " operation_started_at = now()"
                    + " WHERE tenant_id = :id AND (operation IS NULL OR operation_id = :opid)")
            .param("op", operation)
            .param("opid", operationId)
            .param("id", tenantId)
            .update();
    if (updated == 1) {
      return Optional.empty();
    }
    return current(tenantId).or(() -> Optional.of(new Held("UNKNOWN", "no tenant " + tenantId)));
  }

  /** The operation holding the tenant now, if any. */
  public Optional<Held> current(UUID tenantId) {
    return jdbc.sql(
            "SELECT operation, operation_id FROM tenants WHERE tenant_id = :id"
                + " AND operation IS NOT NULL")
        .param("id", tenantId)
        .query((rs, i) -> new Held(rs.getString(1), rs.getString(2)))
        .optional();
  }

  /** Ends the operation {@code operationId} (and any write hold); releasing twice is fine. */
  public void release(UUID tenantId, String operationId) {
    jdbc.sql(
            "UPDATE tenants SET operation = NULL, operation_id = NULL, operation_started_at = NULL,"
                + " writes_held = false WHERE tenant_id = :id AND operation_id = :opid")
        .param("id", tenantId)
        .param("opid", operationId)
        .update();
  }

  /**
   * Holds (or releases) the tenant's writes while {@code operationId} holds it: the routers answer
   * writes with 503 and Retry-After while held.
   *
   * @return false when the operation does not hold the tenant
   */
  public boolean holdWrites(UUID tenantId, String operationId, boolean held) {
    return jdbc.sql(
                "UPDATE tenants SET writes_held = :held WHERE tenant_id = :id AND operation_id = :opid")
            .param("held", held)
            .param("id", tenantId)
            .param("opid", operationId)
            .update()
        == 1;
  }

  /**
   * Points the tenant at another database in one statement (database name and the encrypted URL;
   * the app role and its password stay) and ends the write hold. The routers follow the
   * notification. Idempotent: pointing at the database it points at already changes nothing.
   *
   * @return false when {@code operationId} does not hold the tenant
   */
  public boolean swapDatabase(
      UUID tenantId, String operationId, String databaseName, String encryptedDatabaseUrl) {
    return jdbc.sql(
                "UPDATE tenants SET database_name = :db, database_url = :url, writes_held = false"
                    + " WHERE tenant_id = :id AND operation_id = :opid")
            .param("db", databaseName)
            .param("url", encryptedDatabaseUrl)
            .param("id", tenantId)
            .param("opid", operationId)
            .update()
        == 1;
  }

  /**
   * Points the tenant at a database on another server in one statement (server, database name and
   * the encrypted URL; the app role and its password stay, the target server got the same role) and
   * ends the write hold. The routers follow the {@code tenant_changed} notification. Idempotent: a
   * tenant on {@code serverId} already changes nothing.
   *
   * @return false when {@code operationId} does not hold the tenant or it is on neither server
   */
  public boolean moveDatabase(
      UUID tenantId,
      String operationId,
      String fromServerId,
      String serverId,
      String databaseName,
      String encryptedDatabaseUrl) {
    return jdbc.sql(
                "UPDATE tenants SET database_server_id = :server, database_name = :db,"
                    + " database_url = :url, writes_held = false"
                    + " WHERE tenant_id = :id AND operation_id = :opid"
                    + " AND database_server_id IN (:from, :server)")
            .param("server", serverId)
            .param("db", databaseName)
            .param("url", encryptedDatabaseUrl)
            .param("id", tenantId)
            .param("opid", operationId)
            .param("from", fromServerId)
            .update()
        == 1;
  }

  /** True while the tenant's writes are held. */
  public boolean writesHeld(UUID tenantId) {
    return jdbc.sql("SELECT writes_held FROM tenants WHERE tenant_id = :id")
        .param("id", tenantId)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }
}
