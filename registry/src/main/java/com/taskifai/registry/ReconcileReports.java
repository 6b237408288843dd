package com.taskifai.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The fleet reconciler's reports ({@code reconcile_reports}): the orphans one run found. Only the
 * newest {@link #KEEP} reports are kept.
 */
public final class ReconcileReports {
  /** How many reports are kept; older ones are deleted when a new one is saved. */
  public static final int KEEP = 50;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final JdbcClient jdbc;

  public ReconcileReports(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /**
   * One thing the registry does not account for.
   *
   * @param kind database, role, dns_record, staged_secret, stalled_tenant or
   *     unscoped_trial_database
   * @param name the database, role or DNS name, or the tenant id (staged_secret, stalled_tenant)
   * @param serverId the database server (database and role only)
   * @param tenantId the tenant the name points at, when it names one
   * @param reason why it counts as an orphan
   */
  public record Item(String kind, String name, String serverId, UUID tenantId, String reason) {}

  /** A saved report. */
  public record Report(
      long id,
      String workflowId,
      String actor,
      Instant finishedAt,
      List<Item> orphans,
      List<String> problems) {

    /** The number of orphans of each kind found in this report. */
    public Map<String, Integer> countByKind() {
      Map<String, Integer> counts = new TreeMap<>();
      for (Item i : orphans) {
        counts.merge(i.kind(), 1, Integer::sum);
      }
      return counts;
    }

    /** The orphan of that kind and name, if this report lists it. */
    public Optional<Item> find(String kind, String name) {
      return orphans.stream()
          .filter(i -> i.kind().equals(kind) && i.name().equals(name))
          .findFirst();
    }
  }

  /** Saves a report, prunes the old ones and returns the new report's id. */
  public long save(String workflowId, String actor, List<Item> orphans, List<String> problems) {
    long id =
        jdbc.sql(
                "INSERT INTO reconcile_reports (workflow_id, actor, orphans, problems)"
                    + " VALUES (:w, :a, CAST(:o AS jsonb), CAST(:p AS jsonb)) RETURNING id")
            .param("w", workflowId)
            .param("a", actor)
            .param("o", json(orphans))
            .param("p", json(problems))
            .query(Long.class)
            .single();
    jdbc.sql(
            "DELETE FROM reconcile_reports WHERE id NOT IN"
                + " (SELECT id FROM reconcile_reports ORDER BY finished_at DESC, id DESC LIMIT :k)")
        .param("k", KEEP)
        .update();
    return id;
  }

  /** The newest report, if the reconciler ever ran. */
  public Optional<Report> latest() {
    return jdbc.sql(
            "SELECT id, workflow_id, actor, finished_at, orphans::text AS orphans,"
                + " problems::text AS problems FROM reconcile_reports"
                + " ORDER BY finished_at DESC, id DESC LIMIT 1")
        .query(
            (rs, i) ->
                new Report(
                    rs.getLong("id"),
                    rs.getString("workflow_id"),
                    rs.getString("actor"),
                    TenantRegistry.instant(rs, "finished_at"),
                    read(rs.getString("orphans"), new TypeReference<List<Item>>() {}),
                    read(rs.getString("problems"), new TypeReference<List<String>>() {})))
        .optional();
  }

  /** Takes a removed orphan out of the newest report, so the list shows what is left. */
  public void markRemoved(String kind, String name) {
    jdbc.sql(
            "UPDATE reconcile_reports SET orphans = COALESCE((SELECT jsonb_agg(e) FROM"
                + " jsonb_array_elements(orphans) e WHERE NOT (e->>'kind' = :k AND e->>'name' = :n)),"
                + " '[]'::jsonb) WHERE id = (SELECT id FROM reconcile_reports"
                + " ORDER BY finished_at DESC, id DESC LIMIT 1)")
        .param("k", kind)
        .param("n", name)
        .update();
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value == null ? List.of() : value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("reconcile report is not serialisable", e);
    }
  }

  private static <T> T read(String json, TypeReference<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("reconcile report is not readable", e);
    }
  }
}
