package com.taskifai.routing.auth;

import com.taskifai.registry.auth.LoginBackoff;
import com.taskifai.registry.auth.SignInCounters;
import com.taskifai.routing.RoutingSettings;
import com.taskifai.routing.api.ApiException;
import com.taskifai.routing.tenancy.RoutedTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The brakes on the sign-in endpoints, shared by every router process through the platform database
 * ({@link SignInCounters}), so that N routers do not give N allowances and a restart forgets no
 * back-off:
 *
 * <ul>
 *   <li>a rate limit per client address: so many requests a minute to {@code /api/auth/**}; over it
 *       the answer is 429 {@code rate_limited} with {@code Retry-After};
 *   <li>a limit of failed sign-ins per tenant ({@code taskifai.auth.rate.per-tenant} a minute).
 *       When it is spent, the address whose failure found it spent, and from then on every address
 *       that fails, waits a minute (429 {@code rate_limited}); addresses that have not failed sign
 *       in as usual. So a flood from many addresses, each within its own limit, cannot lock a
 *       tenant's users out;
 *   <li>back-off per account and client address ({@link LoginBackoff}, shared with the admin API):
 *       after {@code taskifai.login.max-failures} failed logins in a row, each further attempt
 *       waits {@code taskifai.login.backoff}, doubled with each failure up to {@code
 *       taskifai.login.lockout}. Unknown e-mails are counted the same way, so the answers do not
 *       tell whether an account exists, and an attacker elsewhere cannot lock a user out of their
 *       own address.
 * </ul>
 */
@Component
public class SignInLimits {
  /** How long an address that failed on a tenant whose failures are spent waits: one window. */
  private static final Duration HOLD = Duration.ofMinutes(1);

  private final long perAddress;
  private final long perTenant;
  private final SignInCounters counters;
  private final LoginBackoff backoff;

  @Autowired
  public SignInLimits(RoutingSettings settings, DataSource platformDataSource) {
    this(settings, SignInCounters.shared(platformDataSource));
  }

  SignInLimits(RoutingSettings settings, SignInCounters counters) {
    long perAddress = settings.auth.auth().rate().perAddress();
    long perTenant = settings.auth.auth().rate().perTenant();
    Duration firstBackoff = settings.auth.login().backoff();
    if (perAddress < 1 || perTenant < 1) {
      throw new IllegalArgumentException("taskifai.auth.rate.* must be at least 1 a minute");
    }
    this.perAddress = perAddress;
    this.perTenant = perTenant;
    this.counters = counters;
    this.backoff =
        new LoginBackoff(settings.maxFailedLogins, firstBackoff, settings.loginLockout, counters);
  }

  /**
   * Takes one request of the address's allowance, and refuses an address that has to wait for the
   * tenant's allowance of failures.
   *
   * @throws ApiException 429 {@code rate_limited} with {@code Retry-After}
   */
  public void admit(RoutedTenant tenant, String clientAddress) {
    Instant now = Instant.now();
    Optional<Duration> wait = counters.take("router|address|" + clientAddress, perAddress, now);
    if (wait.isPresent()) {
      throw rateLimited("from this address", wait.get());
    }
    Optional<Instant> held = counters.notBefore(held(tenant, clientAddress), now);
    if (held.isPresent()) {
      throw rateLimited("that failed on this tenant", Duration.between(now, held.get()));
    }
  }

  private static RuntimeException rateLimited(String scope, Duration wait) {
    long seconds = LoginBackoff.retryAfterSeconds(wait);
    return ApiException.tooManyRequests(
        "rate_limited",
        "too many sign-in requests " + scope + "; retry in " + seconds + " s",
        Duration.ofSeconds(seconds));
  }

  private static String held(RoutedTenant tenant, String clientAddress) {
    return "router|tenant-held|" + tenant.id() + "|" + clientAddress;
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

  /**
   * Counts a failed login; from the free failures on, the next attempt has to wait. When the
   * tenant's allowance of failures is spent, this address waits for it to refill.
   *
   * @throws ApiException 429 {@code rate_limited} when the tenant's allowance of failures is spent
   */
  public void failed(RoutedTenant tenant, String email, String clientAddress, Instant now) {
    backoff.failed(account(tenant, email), clientAddress, now);
    Optional<Duration> wait =
        counters.take("router|tenant-failures|" + tenant.id(), perTenant, now);
    if (wait.isPresent()) {
      counters.waitUntil(held(tenant, clientAddress), now.plus(HOLD), now);
      throw rateLimited("that failed on this tenant", HOLD);
    }
  }

  /** A successful login clears the count of this account from this address. */
  public void succeeded(RoutedTenant tenant, String email, String clientAddress) {
    backoff.succeeded(account(tenant, email), clientAddress);
  }

  private static String account(RoutedTenant tenant, String email) {
    return tenant.id() + "|" + email.toLowerCase(Locale.ROOT);
  }
}
