package com.taskifai.api.auth;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.metrics.PlatformMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * The rule for state-changing calls: the token must record a one-time code ({@code amr} has {@code
 * otp}) given no longer ago than the configured MFA max age. A token of an external issuer counts
 * only by its configured MFA claim ({@link ExternalIssuer}) and its {@code auth_time}.
 */
@Component
public class FreshMfa {
  private final ApiSettings settings;
  private final Clock clock;
  private final PlatformMetrics metrics;
  private final ExternalIssuer external;

  FreshMfa(ApiSettings settings, Clock clock, PlatformMetrics metrics, ExternalIssuer external) {
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    this.external = external;
  }

  /**
   * Returns the actor (the admin's e-mail, else the subject) when the token has fresh MFA.
   *
   * @throws ApiException 403 saying to log in again with the one-time code
   */
  public String require(Jwt jwt) {
    List<String> amr = jwt.getClaimAsStringList("amr");
    Object authTime = jwt.getClaims().get("auth_time");
    Instant at = toInstant(authTime);
    boolean hasOtp =
        ExternalIssuer.own(jwt) ? amr != null && amr.contains("otp") : external.externalMfa(jwt);
    boolean fresh = at != null && !at.isBefore(clock.instant().minus(settings.mfaMaxAge()));
    if (!hasOtp || !fresh) {
      metrics.mfaFailed("stale_or_missing");
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "mfa_required",
          "this change needs a recent one-time code: log in again with your one-time code (or"
              + " POST /admin/mfa {\"totp\": \"123456\"}); codes count for "
              + settings.mfaMaxAge().toMinutes()
              + " minutes");
    }
    return actor(jwt);
  }

  /** Who the token speaks for: the e-mail claim when present, else the subject. */
  public static String actor(Jwt jwt) {
    String email = jwt.getClaimAsString("email");
    return email != null && !email.isBlank() ? email : jwt.getSubject();
  }

  private static Instant toInstant(Object value) {
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof Number n) {
      return Instant.ofEpochSecond(n.longValue());
    }
    if (value instanceof java.util.Date d) {
      return d.toInstant();
    }
    return null;
  }
}
