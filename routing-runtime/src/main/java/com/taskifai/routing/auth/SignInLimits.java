package com.taskifai.routing.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.taskifai.registry.auth.LoginBackoff;
import com.taskifai.routing.RoutingSettings;
import com.taskifai.routing.api.ApiException;
import com.taskifai.routing.tenancy.RoutedTenant;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The brakes on the sign-in endpoints, in memory of this process:
 *
 * <ul>
 *   <li>rate limits (Bucket4j token buckets): so many requests a minute per client address, and per
 *       tenant, to {@code /api/auth/**}; over it the answer is 429 with {@code Retry-After};
 *   <li>back-off per account and client address ({@link LoginBackoff}, shared with the admin API):
 *       after {@code taskifai.login.max-failures} failed logins in a row, each further attempt
 *       waits {@code taskifai.login.backoff}, doubled with each failure up to {@code
 *       taskifai.login.lockout}. Unknown e-mails are counted the same way, so the answers do not
 *       tell whether an account exists, and an attacker elsewhere cannot lock a user out of their
 *       own address.
 * </ul>
 *
 * Several router processes each keep their own counts, so the limits per process multiply.
 */
@Component
public class SignInLimits {
  private final long perAddress;
  private final long perTenant;
  private final Cache<String, Bucket> addressBuckets;
  private final Cache<String, Bucket> tenantBuckets;
  private final LoginBackoff backoff;

  public SignInLimits(RoutingSettings settings) {
    long perAddress = settings.auth.auth().rate().perAddress();
    long perTenant = settings.auth.auth().rate().perTenant();
    Duration firstBackoff = settings.auth.login().backoff();
    if (perAddress < 1 || perTenant < 1) {
      throw new IllegalArgumentException("taskifai.auth.rate.* must be at least 1 a minute");
    }
    this.perAddress = perAddress;
    this.perTenant = perTenant;
    this.backoff = new LoginBackoff(settings.maxFailedLogins, firstBackoff, settings.loginLockout);
    this.addressBuckets =
        Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(2)).build();
    this.tenantBuckets =
        Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(2)).build();
  }

  /**
   * Takes one request of the address's and of the tenant's allowance.
   *
   * @throws ApiException 429 {@code rate_limited} with {@code Retry-After} when either is spent
   */
  public void admit(RoutedTenant tenant, String clientAddress) {
    take(addressBuckets.get(clientAddress, k -> perMinute(perAddress)), "from this address");
    take(tenantBuckets.get(tenant.id(), k -> perMinute(perTenant)), "for this tenant");
  }

  private static Bucket perMinute(long n) {
    return Bucket.builder()
        .addLimit(l -> l.capacity(n).refillGreedy(n, Duration.ofMinutes(1)))
        .build();
  }

  private static void take(Bucket bucket, String scope) {
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      Duration wait = Duration.ofNanos(probe.getNanosToWaitForRefill()).plusMillis(999);
      throw ApiException.tooManyRequests(
          "rate_limited",
          "too many sign-in requests " + scope + "; retry in " + wait.toSeconds() + " s",
          wait);
    }
  }

  /**
   * Refuses while the back-off of this account (or unknown e-mail) from this address runs.
   *
   * @throws ApiException 429 {@code locked} with {@code Retry-After}
   */
  public void checkBackoff(RoutedTenant tenant, String email, String clientAddress, Instant now) {
    Optional<Duration> wait = backoff.waitFor(account(tenant, email), clientAddress, now);
    if (wait.isPresent()) {
      long seconds = LoginBackoff.retryAfterSeconds(wait.get());
      throw ApiException.tooManyRequests(
          "locked",
          "too many failed sign-ins; try again in " + seconds + " s",
          Duration.ofSeconds(seconds));
    }
  }

  /** Counts a failed login; from the free failures on, the next attempt has to wait. */
  public void failed(RoutedTenant tenant, String email, String clientAddress, Instant now) {
    backoff.failed(account(tenant, email), clientAddress, now);
  }

  /** A successful login clears the count of this account from this address. */
  public void succeeded(RoutedTenant tenant, String email, String clientAddress) {
    backoff.succeeded(account(tenant, email), clientAddress);
  }

  private static String account(RoutedTenant tenant, String email) {
    return tenant.id() + "|" + email.toLowerCase(Locale.ROOT);
  }
}
