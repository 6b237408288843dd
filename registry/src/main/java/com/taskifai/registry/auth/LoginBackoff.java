package com.taskifai.registry.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Exponential back-off of failed sign-ins per account and client address, in this process's memory
 * (a bounded Caffeine cache). After {@code freeFailures} failures in a row of one pair, each
 * further attempt of that pair has to wait {@code firstBackoff}, doubled with each failure, up to
 * {@code longestBackoff}. Callers count unknown e-mails the same way, so the answers do not tell
 * whether an account exists; and since the key includes the client address, an attacker elsewhere
 * cannot lock the owner out. A success clears the pair.
 */
public final class LoginBackoff {
  private final int freeFailures;
  private final Duration firstBackoff;
  private final Duration longestBackoff;
  private final Cache<String, Failures> failures;

  /** Failed sign-ins in a row of one pair, and when the next may be tried (null: at once). */
  private record Failures(int count, Instant notBefore) {}

  /**
   * What a failure did: the failures in a row now, the delay it imposes (zero while failures are
   * still free), and whether it is the failure that started the back-off.
   */
  public record Failure(int count, Duration delay, boolean started) {}

  public LoginBackoff(int freeFailures, Duration firstBackoff, Duration longestBackoff) {
    if (firstBackoff == null || firstBackoff.isNegative() || firstBackoff.isZero()) {
      throw new IllegalArgumentException("the first back-off must be positive");
    }
    this.freeFailures = Math.max(1, freeFailures);
    this.firstBackoff = firstBackoff;
    this.longestBackoff =
        longestBackoff == null || longestBackoff.compareTo(firstBackoff) < 0
            ? firstBackoff
            : longestBackoff;
    this.failures =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfterAccess(this.longestBackoff.plus(Duration.ofMinutes(15)))
            .build();
  }

  /** How long the pair still has to wait before its next attempt, if it has to. */
  public Optional<Duration> waitFor(String account, String clientAddress, Instant now) {
    Failures f = failures.getIfPresent(key(account, clientAddress));
    if (f == null || f.notBefore() == null || !f.notBefore().isAfter(now)) {
      return Optional.empty();
    }
    return Optional.of(Duration.between(now, f.notBefore()));
  }

  /** Counts a failure of the pair; from the free failures on, the next attempt has to wait. */
  public Failure failed(String account, String clientAddress, Instant now) {
    Failures f =
        failures
            .asMap()
            .compute(
                key(account, clientAddress),
                (k, was) -> {
                  int count = (was == null ? 0 : Math.min(was.count(), 1_000_000)) + 1;
                  Instant notBefore = null;
                  if (count >= freeFailures) {
                    notBefore = now.plus(backoffAfter(count));
                  }
                  return new Failures(count, notBefore);
                });
    return new Failure(
        f.count(),
        f.notBefore() == null ? Duration.ZERO : Duration.between(now, f.notBefore()),
        f.count() == freeFailures);
  }

  /** A success clears the pair's count. */
  public void succeeded(String account, String clientAddress) {
    failures.invalidate(key(account, clientAddress));
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
    return (account == null ? "" : account.strip().toLowerCase(Locale.ROOT)) + "|" + clientAddress;
  }
}
