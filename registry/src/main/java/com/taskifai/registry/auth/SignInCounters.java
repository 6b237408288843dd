package com.taskifai.registry.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The counts behind the sign-in brakes: token buckets (so many attempts a minute, refilled evenly)
 * and failures in a row with the time the next attempt may be made. With a platform database they
 * live in its {@code sign_in_buckets} and {@code sign_in_backoffs} tables, so every router and
 * admin API process shares one allowance and a restart forgets nothing; each attempt is one atomic
 * statement. Keys are stored as SHA-256 digests. While the platform database cannot be reached, the
 * counts are kept in this process's memory, so sign-in keeps working with per-process limits.
 */
public final class SignInCounters {
  private static final Logger log = LoggerFactory.getLogger(SignInCounters.class);
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);

  private final JdbcClient jdbc;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(2)).build();
  private final Cache<String, Failures> failures =
      Caffeine.newBuilder().maximumSize(200_000).expireAfterAccess(Duration.ofHours(2)).build();
  private final AtomicLong nextPrune = new AtomicLong();
  private final AtomicLong nextWarning = new AtomicLong();

  /** Failures in a row of one key, and when its next attempt may be made (null: at once). */
  public record Failures(int count, Instant notBefore) {}

  private record Bucket(double tokens, Instant refilledAt, boolean consumed) {}

  private SignInCounters(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Counts shared through the platform database (its {@code V155} tables). */
  public static SignInCounters shared(DataSource platform) {
    return new SignInCounters(JdbcClient.create(platform));
  }

  /** Counts in this process's memory only (tests, and tools without a platform database). */
  public static SignInCounters inMemory() {
    return new SignInCounters(null);
  }

  /**
   * Takes one attempt of the key's allowance of {@code perMinute} (a bucket of that size, refilled
   * evenly over a minute).
   *
   * @return empty when taken, else how long until the next attempt would be allowed
   */
  public Optional<Duration> take(String key, long perMinute, Instant now) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("an allowance must be at least 1 a minute");
    }
    if (jdbc != null) {
      try {
        prune(now);
        return jdbc.sql(
                "INSERT INTO sign_in_buckets AS b (key, tokens, refilled_at, consumed)"
                    + " VALUES (:key, :cap - 1, :now, true) ON CONFLICT (key) DO UPDATE SET"
                    + " tokens = "
                    + AVAILABLE
                    + " - CASE WHEN "
                    + AVAILABLE
                    + " >= 1 THEN 1 ELSE 0 END,"
                    + " consumed = "
                    + AVAILABLE
                    + " >= 1, refilled_at = GREATEST(b.refilled_at, :now)"
                    + " RETURNING consumed, tokens")
            .param("key", digest(key))
            .param("cap", (double) perMinute)
            .param("now", Timestamp.from(now))
            .query(
                (rs, n) ->
                    rs.getBoolean("consumed")
                        ? Optional.<Duration>empty()
                        : Optional.of(refillTime(rs.getDouble("tokens"), perMinute)))
            .single();
      } catch (DataAccessException e) {
        warn(e);
      }
    }
    Bucket b =
        buckets
            .asMap()
            .compute(
                key,
                (k, was) -> {
                  double available = perMinute;
                  Instant at = now;
                  if (was != null) {
                    long millis = Math.max(0, Duration.between(was.refilledAt(), now).toMillis());
                    available = Math.min(perMinute, was.tokens() + millis / 60_000.0 * perMinute);
                    at = was.refilledAt().isAfter(now) ? was.refilledAt() : now;
                  }
                  boolean consumed = available >= 1;
                  return new Bucket(consumed ? available - 1 : available, at, consumed);
                });
    return b.consumed() ? Optional.empty() : Optional.of(refillTime(b.tokens(), perMinute));
  }

  /** The tokens a bucket row holds now: what it had plus the refill since, at most its size. */
  private static final String AVAILABLE =
      "LEAST(:cap, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (:now - b.refilled_at)))"
          + " * :cap / 60.0)";

  private static Duration refillTime(double tokens, long perMinute) {
    double seconds = Math.max(0, 1 - tokens) * 60.0 / perMinute;
    return Duration.ofMillis((long) Math.ceil(seconds * 1000));
  }

  /** When the key's next attempt may be made, if that is after {@code now}. */
  public Optional<Instant> notBefore(String key, Instant now) {
    Instant until = null;
    boolean read = false;
    if (jdbc != null) {
      try {
        until =
            jdbc.sql("SELECT not_before FROM sign_in_backoffs WHERE key = :key")
                .param("key", digest(key))
                .query((rs, n) -> rs.getTimestamp(1))
                .optional()
                .map(t -> t == null ? null : t.toInstant())
                .orElse(null);
        read = true;
      } catch (DataAccessException e) {
        warn(e);
      }
    }
    if (!read) {
      Failures f = failures.getIfPresent(key);
      until = f == null ? null : f.notBefore();
    }
    return until != null && until.isAfter(now) ? Optional.of(until) : Optional.empty();
  }

  /**
   * Counts one more failure of the key (from zero again when its last failure is older than {@code
   * forgetAfter}) and returns the count; the caller then sets the wait with {@link #waitUntil}.
   */
  public int failed(String key, Instant now, Duration forgetAfter) {
    if (jdbc != null) {
      try {
        prune(now);
        return jdbc.sql(
                "INSERT INTO sign_in_backoffs AS f (key, failures, touched_at)"
                    + " VALUES (:key, 1, :now) ON CONFLICT (key) DO UPDATE SET failures ="
                    + " CASE WHEN f.touched_at < :forgetBefore THEN 0"
                    + " ELSE LEAST(f.failures, 1000000) END + 1,"
                    + " touched_at = GREATEST(f.touched_at, :now) RETURNING failures")
            .param("key", digest(key))
            .param("now", Timestamp.from(now))
            .param("forgetBefore", Timestamp.from(now.minus(forgetAfter)))
            .query(Integer.class)
            .single();
      } catch (DataAccessException e) {
        warn(e);
      }
    }
    return failures
        .asMap()
        .compute(
            key,
            (k, was) ->
                new Failures(
                    was == null ? 1 : Math.min(was.count(), 1_000_000) + 1,
                    was == null ? null : was.notBefore()))
        .count();
  }

  /** Makes the key's next attempt wait until {@code until} (or longer, if it already has to). */
  public void waitUntil(String key, Instant until, Instant now) {
    if (jdbc != null) {
      try {
        jdbc.sql(
                "INSERT INTO sign_in_backoffs AS f (key, failures, not_before, touched_at)"
                    + " VALUES (:key, 0, :until, :now) ON CONFLICT (key) DO UPDATE SET"
                    + " not_before = GREATEST(f.not_before, :until),"
                    + " touched_at = GREATEST(f.touched_at, :now)")
            .param("key", digest(key))
            .param("until", Timestamp.from(until))
            .param("now", Timestamp.from(now))
            .update();
        return;
      } catch (DataAccessException e) {
        warn(e);
      }
    }
    failures
        .asMap()
        .compute(
            key,
            (k, was) ->
                new Failures(
                    was == null ? 0 : was.count(),
                    was == null || was.notBefore() == null || was.notBefore().isBefore(until)
                        ? until
                        : was.notBefore()));
  }

  /** Forgets the key's failures and wait. */
  public void clear(String key) {
    failures.invalidate(key);
    if (jdbc != null) {
      try {
        jdbc.sql("DELETE FROM sign_in_backoffs WHERE key = :key")
            .param("key", digest(key))
            .update();
      } catch (DataAccessException e) {
        warn(e);
      }
    }
  }

  /** Deletes, at most once a minute per process, rows that no longer hold anything. */
  private void prune(Instant now) {
    long due = nextPrune.get();
    if (now.toEpochMilli() < due
        || !nextPrune.compareAndSet(due, now.plus(PRUNE_EVERY).toEpochMilli())) {
      return;
    }
    // A bucket idle for a minute is full again; back-offs are bounded by hours.
    jdbc.sql("DELETE FROM sign_in_buckets WHERE refilled_at < :cutoff")
        .param("cutoff", Timestamp.from(now.minus(Duration.ofMinutes(2))))
        .update();
    jdbc.sql(
            "DELETE FROM sign_in_backoffs WHERE touched_at < :cutoff"
                + " AND (not_before IS NULL OR not_before < :now)")
        .param("cutoff", Timestamp.from(now.minus(Duration.ofHours(2))))
        .param("now", Timestamp.from(now))
        .update();
  }

  private void warn(DataAccessException e) {
    long due = nextWarning.get();
    long now = System.currentTimeMillis();
    if (now >= due && nextWarning.compareAndSet(due, now + 60_000)) {
      log.warn(
          "sign-in limits fall back to this process's memory: the platform database cannot be"
              + " reached ({})",
          e.getClass().getSimpleName());
    }
  }

  private static String digest(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
