package com.taskifai.registry;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What each tenant uses, per day: requests, connection time and sell-out uploads counted by the
 * routers ({@code tenant_usage_daily}), and its database size sampled by the cost sampling workflow
 * ({@code tenant_size_samples}). The cost report reads both, with the stored bytes of its backups.
 */
public final class TenantUsage {
  private final JdbcClient jdbc;
  private final JdbcTemplate template;
  private final TransactionTemplate tx;

  public TenantUsage(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
    this.template = new JdbcTemplate(dataSource);
    this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  /**
   * The upper bounds (milliseconds) of the request latency buckets the routers count per tenant and
   * day; one more bucket counts the requests over the last bound.
   */
  public static final long[] LATENCY_BOUNDS_MS = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};

  /**
   * What one router counted for one tenant on one (UTC) day since its last flush. {@code
   * latencyBuckets}: requests per latency bucket ({@link #LATENCY_BOUNDS_MS} and one over the
   * last), or empty.
   */
  public record Delta(
      UUID tenantId,
      LocalDate day,
      long requests,
      long connectionMillis,
      long uploadRows,
      long uploadBytes,
      long[] latencyBuckets) {

    public Delta(
        UUID tenantId,
        LocalDate day,
        long requests,
        long connectionMillis,
        long uploadRows,
        long uploadBytes) {
      this(tenantId, day, requests, connectionMillis, uploadRows, uploadBytes, new long[0]);
    }
  }

  /**
   * A tenant's request latency over some days: requests per bucket ({@link #LATENCY_BOUNDS_MS} and
   * one over the last) and the quantiles estimated from them, linear within a bucket (as
   * Prometheus's histogram_quantile); null without a counted request.
   */
  public record Latency(long requests, long[] buckets, Double p50Millis, Double p95Millis) {
    static Latency of(long[] buckets) {
      long total = java.util.Arrays.stream(buckets).sum();
      return new Latency(
          total,
          buckets,
          total == 0 ? null : quantile(buckets, total, 0.50),
          total == 0 ? null : quantile(buckets, total, 0.95));
    }

    private static double quantile(long[] buckets, long total, double q) {
      double rank = q * total;
      long seen = 0;
      for (int i = 0; i < buckets.length; i++) {
        if (seen + buckets[i] >= rank && buckets[i] > 0) {
          double lower = i == 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
          if (i >= LATENCY_BOUNDS_MS.length) {
            return lower; // over the last bound: at least that
          }
          double upper = LATENCY_BOUNDS_MS[i];
          return lower + (upper - lower) * (rank - seen) / buckets[i];
        }
        seen += buckets[i];
      }
      return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
    }
  }

  /** One tenant's request latency over days {@code from} (inclusive) to {@code to} (exclusive). */
  public Latency latency(UUID tenantId, LocalDate from, LocalDate to) {
    long[] sum = new long[LATENCY_BOUNDS_MS.length + 1];
    jdbc.sql(
            "SELECT latency_buckets FROM tenant_usage_daily"
                + " WHERE tenant_id = :id AND day >= :from AND day < :to")
        .param("id", tenantId)
        .param("from", Date.valueOf(from))
        .param("to", Date.valueOf(to))
        .query(
            (rs, i) -> {
              Long[] row = (Long[]) rs.getArray(1).getArray();
              for (int b = 0; b < Math.min(row.length, sum.length); b++) {
                sum[b] += row[b] == null ? 0 : row[b];
              }
              return null;
            })
        .list();
    return Latency.of(sum);
  }

  /** A month's (or any range's) totals for one tenant. */
  public record Usage(
      UUID tenantId, long requests, long connectionMillis, long uploadRows, long uploadBytes) {}

  /** One database size sample. */
  public record SizeSample(UUID tenantId, LocalDate day, long databaseBytes, Instant sampledAt) {}

  /**
   * Adds the deltas to their tenant's day rows: one batched statement in one transaction (all or
   * nothing), one upsert per delta. A delta of a tenant the registry does not know is skipped.
   */
  public void add(List<Delta> deltas) {
    if (deltas.isEmpty()) {
      return;
    }
    List<Object[]> args = new ArrayList<>(deltas.size());
    for (Delta d : deltas) {
      // In the statement's order: the tenant id comes last, in its WHERE clause.
      args.add(
          new Object[] {
            Date.valueOf(d.day()),
            d.requests(),
            d.connectionMillis(),
            d.uploadRows(),
            d.uploadBytes(),
            latencyArray(d.latencyBuckets()),
            d.tenantId()
          });
    }
    String sql =
        "INSERT INTO tenant_usage_daily (tenant_id, day, requests, connection_millis, upload_rows,"
            + " upload_bytes, latency_buckets) SELECT t.tenant_id, ?::date, ?, ?, ?, ?,"
            + " ?::bigint[] FROM tenants t WHERE t.tenant_id = ?"
            + " ON CONFLICT (tenant_id, day) DO UPDATE SET"
            + " requests = tenant_usage_daily.requests + EXCLUDED.requests,"
            + " connection_millis = tenant_usage_daily.connection_millis"
            + " + EXCLUDED.connection_millis,"
            + " upload_rows = tenant_usage_daily.upload_rows + EXCLUDED.upload_rows,"
            + " upload_bytes = tenant_usage_daily.upload_bytes + EXCLUDED.upload_bytes,"
            // Bucket by bucket; a shorter array counts zero where it ends.
            + " latency_buckets = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM"
            + " unnest(tenant_usage_daily.latency_buckets, EXCLUDED.latency_buckets)"
            + " WITH ORDINALITY AS x(a, b, n) ORDER BY n),"
            + " updated_at = now()";
    tx.executeWithoutResult(status -> template.batchUpdate(sql, args));
  }

  /** The buckets as the text of a PostgreSQL bigint array ({@code {1,2,3}}). */
  private static String latencyArray(long[] buckets) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < buckets.length; i++) {
      b.append(i == 0 ? "" : ",").append(buckets[i]);
    }
    return b.append('}').toString();
  }

  /** Records the tenant's database size for the day, replacing an earlier sample of that day. */
  public void recordSize(UUID tenantId, LocalDate day, long databaseBytes) {
    jdbc.sql(
            "INSERT INTO tenant_size_samples (tenant_id, day, database_bytes)"
                + " VALUES (:tenant, :day, :bytes) ON CONFLICT (tenant_id, day) DO UPDATE SET"
                + " database_bytes = EXCLUDED.database_bytes, sampled_at = now()")
        .param("tenant", tenantId)
        .param("day", Date.valueOf(day))
        .param("bytes", databaseBytes)
        .update();
  }

  /** Usage totals per tenant over days {@code from} (inclusive) to {@code to} (exclusive). */
  public Map<UUID, Usage> usage(LocalDate from, LocalDate to) {
    Map<UUID, Usage> out = new LinkedHashMap<>();
    jdbc.sql(
            "SELECT tenant_id, sum(requests), sum(connection_millis), sum(upload_rows),"
                + " sum(upload_bytes) FROM tenant_usage_daily"
                + " WHERE day >= :from AND day < :to GROUP BY tenant_id")
        .param("from", Date.valueOf(from))
        .param("to", Date.valueOf(to))
        .query(
            (rs, i) ->
                new Usage(
                    rs.getObject(1, UUID.class),
                    rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5)))
        .list()
        .forEach(u -> out.put(u.tenantId(), u));
    return out;
  }

  /**
   * One tenant's day: requests and uploads through the routers, and its database size sample
   * ({@code null} where none was taken that day).
   */
  public record Day(
      LocalDate day, Long databaseBytes, long requests, long uploadRows, long uploadBytes) {}

  /**
   * One tenant's days {@code from} (inclusive) to {@code to} (exclusive), oldest first, every day
   * present: a day without usage counts zero.
   */
  public List<Day> daily(UUID tenantId, LocalDate from, LocalDate to) {
    return jdbc.sql(
            "SELECT d::date, s.database_bytes, coalesce(u.requests, 0), coalesce(u.upload_rows, 0),"
                + " coalesce(u.upload_bytes, 0)"
                + " FROM generate_series(:from::date, :to::date - 1, interval '1 day') AS d"
                + " LEFT JOIN tenant_usage_daily u ON u.tenant_id = :id AND u.day = d::date"
                + " LEFT JOIN tenant_size_samples s ON s.tenant_id = :id AND s.day = d::date"
                + " ORDER BY d")
        .param("id", tenantId)
        .param("from", Date.valueOf(from))
        .param("to", Date.valueOf(to))
        .query(
            (rs, i) ->
                new Day(
                    rs.getDate(1).toLocalDate(),
                    rs.getObject(2) == null ? null : rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5)))
        .list();
  }

  /** Size samples over days {@code from} (inclusive) to {@code to} (exclusive), by day. */
  public List<SizeSample> sizes(LocalDate from, LocalDate to) {
    return jdbc.sql(
            "SELECT tenant_id, day, database_bytes, sampled_at FROM tenant_size_samples"
                + " WHERE day >= :from AND day < :to ORDER BY tenant_id, day")
        .param("from", Date.valueOf(from))
        .param("to", Date.valueOf(to))
        .query(
            (rs, i) ->
                new SizeSample(
                    rs.getObject(1, UUID.class),
                    rs.getDate(2).toLocalDate(),
                    rs.getLong(3),
                    rs.getTimestamp(4).toInstant()))
        .list();
  }

  /**
   * Stored bytes of each tenant's good backups that were kept at some time in {@code [from, to)}:
   * finished before {@code to} and not deleted before {@code from}.
   */
  public Map<UUID, Long> backupBytes(Instant from, Instant to) {
    Map<UUID, Long> out = new LinkedHashMap<>();
    jdbc.sql(
            "SELECT tenant_id, coalesce(sum(size_bytes), 0) FROM backups"
                + " WHERE size_bytes IS NOT NULL AND finished_at IS NOT NULL AND finished_at < :to"
                + " AND (status = 'GOOD' OR (status = 'DELETED' AND deleted_at >= :from))"
                + " GROUP BY tenant_id")
        .param("from", Timestamp.from(from))
        .param("to", Timestamp.from(to))
        .query((rs, i) -> Map.entry(rs.getObject(1, UUID.class), rs.getLong(2)))
        .list()
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
