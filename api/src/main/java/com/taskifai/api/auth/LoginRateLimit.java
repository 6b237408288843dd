package com.taskifai.api.auth;

import com.taskifai.api.AdminLoginSettings;
import com.taskifai.api.ApiException;
import com.taskifai.registry.auth.LoginBackoff;
import com.taskifai.registry.auth.SignInCounters;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * So many {@code POST /admin/login} a minute per client address (a token bucket refilled evenly,
 * kept in the platform database by {@link SignInCounters}, so all API processes share it); over it
 * the answer is 429 with {@code Retry-After}, before any password is checked or anything else is
 * written.
 */
@EnableConfigurationProperties(AdminLoginSettings.class)
@Component
public class LoginRateLimit {
  private final long perMinute;
  private final SignInCounters counters;
  private final Clock clock;

  @Autowired
  public LoginRateLimit(AdminLoginSettings settings, SignInCounters counters, Clock clock) {
    this(settings.rate().perAddress(), counters, clock);
  }

  LoginRateLimit(long perMinute, SignInCounters counters, Clock clock) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("taskifai.admin-login.rate.per-address must be >= 1");
    }
    this.perMinute = perMinute;
    this.counters = counters;
    this.clock = clock;
  }

  /** Takes one login of the address's allowance, or refuses with 429 {@code rate_limited}. */
  public void admit(String clientAddress) {
    Optional<Duration> wait =
        counters.take("admin|address|" + clientAddress, perMinute, clock.instant());
    if (wait.isPresent()) {
      long seconds = LoginBackoff.retryAfterSeconds(wait.get());
      throw ApiException.tooManyRequests(
          "rate_limited",
          "too many sign-in attempts from this address; retry in " + seconds + " s",
          Duration.ofSeconds(seconds));
    }
  }
}
