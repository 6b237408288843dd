package com.taskifai.registry.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Exponential back-off of failed sign-ins per account and client address. After {@code
 * freeFailures} failures in a row of one pair, each further attempt of that pair has to wait {@code
 * firstBackoff}, doubled with each failure, up to {@code longestBackoff}. Callers count unknown
 * e-mails the same way, so the answers do not tell whether an account exists; and since the key
 * includes the client address, an attacker elsewhere cannot lock the owner out. A success clears
 * the pair. The counts are kept by {@link SignInCounters}: shared by all processes through the
 * platform database, or in this process's memory.
 */
public final class LoginBackoff {
  private final int freeFailures;
  private final Duration firstBackoff;
  private final Duration longestBackoff;
  private final Duration forgetAfter;
  private final SignInCounters counters;

  /**
   * What a failure did: the failures in a row now, the delay it imposes (zero while failures are
   * still free), and whether it is the failure that started the back-off.
   */
  public record Failure(int count, Duration delay, boolean started) {}

  /** A back-off kept in this process's memory. */
  public LoginBackoff(int freeFailures, Duration firstBackoff, Duration longestBackoff) {
    this(freeFailures, firstBackoff, longestBackoff, SignInCounters.inMemory());
  }

  public LoginBackoff(
      int freeFailures, Duration firstBackoff, Duration longestBackoff, SignInCounters counters) {
    if (firstBackoff == null || firstBackoff.isNegative() || firstBackoff.isZero()) {
      throw new IllegalArgumentException("the first back-off must be positive");
    }
    this.freeFailures = Math.max(1, freeFailures);
    this.firstBackoff = firstBackoff;
    this.longestBackoff =
        longestBackoff == null || longestBackoff.compareTo(firstBackoff) < 0
            ? firstBackoff
            : longestBackoff;
    this.forgetAfter = this.longestBackoff.plus(Duration.ofMinutes(15));
    this.counters = counters;
  }

  /** How long the pair still has to wait before its next attempt, if it has to. */
  public Optional<Duration> waitFor(String account, String clientAddress, Instant now) {
    return counters
        .notBefore(key(account, clientAddress), now)
        .map(until -> Duration.between(now, until));
  }

  /** Counts a failure of the pair; from the free failures on, the next attempt has to wait. */
  public Failure failed(String account, String clientAddress, Instant now) {
    String key = key(account, clientAddress);
    int count = counters.failed(key, now, forgetAfter);
    Duration delay = backoffAfter(count);
    if (!delay.isZero()) {
      counters.waitUntil(key, now.plus(delay), now);
    }
    return new Failure(count, delay, count == freeFailures);
  }

  /** A success clears the pair's count. */
  public void succeeded(String account, String clientAddress) {
    counters.clear(key(account, clientAddress));
  }

  /** The wait after the {@code count}-th failure in a row (zero while still free). */
  public Duration backoffAfter(int count) {
    if (count < freeFailures) {
      return Duration.ZERO;
    }
    int doublings = Math.min(count - freeFailures, 30);
    Duration wait = firstBackoff.multipliedBy(1L << doublings);
    return wait.compareTo(longestBackoff) > 0 || wait.isNegative() ? longestBackoff : wait;
  }

  /** Whole seconds for a {@code Retry-After} header: rounded up, at least 1. */
  public static long retryAfterSeconds(Duration wait) {
    return Math.max(1, wait.plusMillis(999).toSeconds());
  }

  private static String key(String account, String clientAddress) {
    return "backoff|"
        + (account == null ? "" : account.strip().toLowerCase(Locale.ROOT))
        + "|"
        + clientAddress;
  }
}
