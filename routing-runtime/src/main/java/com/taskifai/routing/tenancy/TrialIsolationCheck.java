package com.taskifai.routing.tenancy;

import com.taskifai.registry.Tenant;
import com.taskifai.routing.api.ApiException;
import com.taskifai.tenantschema.TrialSchema;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Serves a shared trial database only while every table holding tenant rows has a {@code
 * tenant_id}, forced row level security and the restrictive {@code trial_isolation} policy ({@link
 * TrialSchema#isolationGaps}). The check is one catalogue query on the request's own connection,
 * made the first time a trial of that database is served (when its pool opens), again after a
 * change notification of one of its trials (a rollout records their new schema version), and at
 * least every {@link #CHECKED_FOR}; a database found unscoped is tried again after {@link
 * #REFUSED_FOR}. Until then its trials answer 503, and the database is named in an error log and
 * counted in {@code taskifai.router.trial.databases.unscoped}.
 */
@Component
public class TrialIsolationCheck {
  private static final Logger log = LoggerFactory.getLogger(TrialIsolationCheck.class);

  /** How long a database found scoped is served without checking again. */
  static final Duration CHECKED_FOR = Duration.ofMinutes(1);

  /** How long a database found unscoped is refused before it is checked again. */
  static final Duration REFUSED_FOR = Duration.ofSeconds(5);

  private record Verdict(List<String> gaps, long checkedAtNanos) {
    boolean fresh() {
      Duration ttl = gaps.isEmpty() ? CHECKED_FOR : REFUSED_FOR;
      return System.nanoTime() - checkedAtNanos < ttl.toNanos();
    }
  }

  private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
  private final Map<UUID, String> databaseOf = new ConcurrentHashMap<>();

  public TrialIsolationCheck(TenantDirectory directory, MeterRegistry meters) {
    directory.addChangeListener(
        id -> {
          String database = databaseOf.get(id);
          if (database != null) {
            verdicts.remove(database);
          }
        });
    Gauge.builder(
            "taskifai.router.trial.databases.unscoped",
            verdicts,
            v -> v.values().stream().filter(x -> !x.gaps().isEmpty()).count())
        .description("Shared trial databases this router refuses: a table lacks the isolation")
        .register(meters);
  }

  /**
   * Checks (or takes the cached verdict on) the shared trial database behind {@code c}, a
   * connection of the trial {@code tenant}'s pool.
   *
   * @throws ApiException 503 when a table of the database lacks the isolation
   */
  public void requireScoped(Tenant tenant, Connection c) throws SQLException {
    String database = tenant.databaseServerId() + "/" + tenant.databaseName();
    if (!database.equals(databaseOf.get(tenant.tenantId()))) {
      databaseOf.put(tenant.tenantId(), database); // once per trial, not on every request
    }
    Verdict v = verdicts.get(database);
    if (v == null || !v.fresh()) {
      v = new Verdict(List.copyOf(TrialSchema.isolationGaps(c)), System.nanoTime());
      Verdict before = verdicts.put(database, v);
      if (!v.gaps().isEmpty() && (before == null || before.gaps().isEmpty())) {
        log.error(
            "trial database {} on server {} is not scoped ({}): its trials are refused until"
                + " every table has tenant_id, forced row level security and the trial_isolation"
                + " policy",
            tenant.databaseName(),
            tenant.databaseServerId(),
            String.join("; ", v.gaps()));
      } else if (v.gaps().isEmpty() && before != null && !before.gaps().isEmpty()) {
        log.info(
            "trial database {} on server {} is scoped again; serving its trials",
            tenant.databaseName(),
            tenant.databaseServerId());
      }
    }
    if (!v.gaps().isEmpty()) {
      throw ApiException.retryLater(
          "unavailable",
          "the trial database is unavailable; the operators are alerted, retry later",
          REFUSED_FOR.toSeconds());
    }
  }
}
