package com.taskifai.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The append-only audit trail: every workflow step and every admin action. The platform's database
 * role may only insert and read; rows are never changed. Never put a secret, token or link in the
 * detail.
 */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JdbcClient jdbc;

  public AuditLog(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** One audit row. {@code detailJson} is a JSON object. */
  public record Entry(
      long id,
      UUID tenantId,
      String actor,
      String action,
      String step,
      String outcome,
      String detailJson,
      Instant at) {}

  /** Filters for {@link #query}; null fields do not filter. */
  public record Query(
      UUID tenantId, String actor, String action, Instant from, Instant to, int limit) {
    public static Query forTenant(UUID tenantId) {
      return new Query(tenantId, null, null, null, null, 1000);
    }
  }

  /** Appends one row and returns its id. */
  public long append(
      UUID tenantId,
      String actor,
      String action,
      String step,
      String outcome,
      Map<String, ?> detail) {
    String json;
    try {
      json = JSON.writeValueAsString(detail == null ? Map.of() : detail);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("audit detail is not serialisable", e);
    }
    return jdbc.sql(
            "INSERT INTO audit_log (tenant_id, actor, action, step, outcome, detail)"
                + " VALUES (:tenant, :actor, :action, :step, :outcome, CAST(:detail AS jsonb))"
                + " RETURNING id")
        .param("tenant", tenantId)
        .param("actor", actor)
        .param("action", action)
        .param("step", step)
        .param("outcome", outcome)
        .param("detail", json)
        .query(Long.class)
        .single();
  }

  /** Rows matching the query, oldest first. */
  public List<Entry> query(Query q) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT id, tenant_id, actor, action, step, outcome, detail::text AS detail, at"
                + " FROM audit_log WHERE true");
    Map<String, Object> params = new HashMap<>();
    if (q.tenantId() != null) {
      sql.append(" AND tenant_id = :tenant");
      params.put("tenant", q.tenantId());
    }
    if (q.actor() != null) {
      sql.append(" AND actor = :actor");
      params.put("actor", q.actor());
    }
    if (q.action() != null) {
      sql.append(" AND action = :action");
      params.put("action", q.action());
    }
    if (q.from() != null) {
      sql.append(" AND at >= :from");
      params.put("from", java.sql.Timestamp.from(q.from()));
    }
    if (q.to() != null) {
      sql.append(" AND at < :to");
      params.put("to", java.sql.Timestamp.from(q.to()));
    }
    sql.append(" ORDER BY at, id LIMIT :limit");
    params.put("limit", Math.max(1, Math.min(q.limit(), 10_000)));
    return jdbc.sql(sql.toString())
        .params(params)
        .query(
            (rs, i) ->
                new Entry(
                    rs.getLong("id"),
                    rs.getObject("tenant_id", UUID.class),
                    rs.getString("actor"),
                    rs.getString("action"),
                    rs.getString("step"),
                    rs.getString("outcome"),
                    rs.getString("detail"),
                    TenantRegistry.instant(rs, "at")))
        .list();
  }

  /**
   * Mean milliseconds of each step of an action over the given tenants, from an attempt's {@code
   * started} row to its first {@code succeeded} row, in the order the steps first started (counted
   * from each tenant's first audit row). For measurements: the provisioning benchmark's step table.
   */
  public Map<String, Double> meanStepMillis(String action, java.util.Collection<UUID> tenantIds) {
    String sql =
        """
        WITH first AS (SELECT tenant_id, min(at) AS t0 FROM audit_log
                        WHERE tenant_id = ANY (string_to_array(:tenants, ',')::uuid[])
                        GROUP BY tenant_id),
             s AS (SELECT a.tenant_id, a.step, a.at, a.at - f.t0 AS since
                     FROM audit_log a JOIN first f USING (tenant_id)
                    WHERE a.outcome = 'started' AND a.action = :action)
        SELECT s.step, avg(extract(epoch FROM d.at - s.at) * 1000) AS ms
          FROM s
          JOIN LATERAL (SELECT at FROM audit_log d
                         WHERE d.tenant_id = s.tenant_id AND d.step = s.step
                           AND d.outcome = 'succeeded' AND d.at >= s.at
                         ORDER BY d.at LIMIT 1) d ON true
         GROUP BY s.step
         ORDER BY min(s.since)
        """;
    Map<String, Double> means = new java.util.LinkedHashMap<>();
    jdbc.sql(sql)
        .param("tenants", String.join(",", tenantIds.stream().map(UUID::toString).toList()))
        .param("action", action)
        .query(
            rs -> {
              means.put(rs.getString(1), rs.getDouble(2));
            });
    return means;
  }
}
