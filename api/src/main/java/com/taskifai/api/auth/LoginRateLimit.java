package com.taskifai.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.taskifai.api.ApiException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * So many {@code POST /admin/login} a minute per client address (a Bucket4j token bucket in this
 * process's memory, refilled evenly); over it the answer is 429 with {@code Retry-After}, before
 * any password is checked or anything is written.
 */
@org.springframework.boot.context.properties.EnableConfigurationProperties(
    com.taskifai.api.AdminLoginSettings.class)
@Component
public class LoginRateLimit {
  private final long perMinute;
  private final Cache<String, Bucket> buckets =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(2)).build();

  @org.springframework.beans.factory.annotation.Autowired
  public LoginRateLimit(com.taskifai.api.AdminLoginSettings settings) {
    this(settings.rate().perAddress());
  }

  LoginRateLimit(long perMinute) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("taskifai.admin-login.rate.per-address must be >= 1");
    }
    this.perMinute = perMinute;
  }

  /** Takes one login of the address's allowance, or refuses with 429 {@code rate_limited}. */
  public void admit(String clientAddress) {
    Bucket bucket =
        buckets.get(
            clientAddress,
            k ->
                Bucket.builder()
                    .addLimit(
                        l -> l.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                    .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      Duration wait = Duration.ofNanos(probe.getNanosToWaitForRefill()).plusMillis(999);
      throw ApiException.tooManyRequests(
          "rate_limited",
          "too many sign-in attempts from this address; retry in " + wait.toSeconds() + " s",
          wait);
    }
  }
}
