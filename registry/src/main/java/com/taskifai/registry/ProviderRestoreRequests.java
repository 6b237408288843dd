package com.taskifai.registry;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The point-in-time restores asked of a database provider ({@code provider_restore_requests}), one
 * per restore operation, recorded before the request is sent: a retried step that finds its
 * operation here knows the request may have reached the provider and does not send it again.
 */
public final class ProviderRestoreRequests {
  private final JdbcClient jdbc;

  public ProviderRestoreRequests(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** A recorded request: the project, the target second and when it was recorded. */
  public record Request(String projectRef, long targetUnix, Instant requestedAt) {}

  /**
   * Records that {@code operationId} is about to ask for a restore of {@code projectRef} to {@code
   * targetUnix}; true when this call recorded it, false when an earlier attempt had.
   */
  public boolean record(UUID tenantId, String operationId, String projectRef, long targetUnix) {
    return jdbc.sql(
                "INSERT INTO provider_restore_requests (operation_id, tenant_id, project_ref,"
                    + " target_unix) VALUES (:op, :tenant, :ref, :target)"
                    + " ON CONFLICT (operation_id) DO NOTHING")
            .param("op", operationId)
            .param("tenant", tenantId)
            .param("ref", projectRef)
            .param("target", targetUnix)
            .update()
        == 1;
  }

  /** The request {@code operationId} recorded, if any. */
  public Optional<Request> find(String operationId) {
    return jdbc.sql(
            "SELECT project_ref, target_unix, requested_at FROM provider_restore_requests"
                + " WHERE operation_id = :op")
        .param("op", operationId)
        .query(
            (rs, n) -> new Request(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant()))
        .optional();
  }
}
