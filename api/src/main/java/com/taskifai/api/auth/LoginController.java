package com.taskifai.api.auth;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.metrics.PlatformMetrics;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.FailedLogins;
import com.taskifai.registry.auth.LoginBackoff;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Admin login with password and one-time code, and the MFA step-up of an existing token. */
@RestController
class LoginController {
  private final AdminAccounts accounts;
  private final AdminTokens tokens;
  private final AuditLog audit;
  private final FailedLogins failedLogins;
  private final LoginRateLimit rateLimit;
  private final LoginBackoff backoff;
  private final PlatformMetrics metrics;
  private final ApiSettings settings;
  private final Clock clock;

  LoginController(
      AdminAccounts accounts,
      AdminTokens tokens,
      AuditLog audit,
      FailedLogins failedLogins,
      LoginRateLimit rateLimit,
      PlatformMetrics metrics,
      ApiSettings settings,
      Clock clock,
      com.taskifai.api.AdminLoginSettings login,
      com.taskifai.registry.auth.SignInCounters counters) {
    int maxFailures = login.maxFailures();
    Duration firstBackoff = login.backoff();
    Duration longestBackoff = login.lockout();
    this.accounts = accounts;
    this.tokens = tokens;
    this.audit = audit;
    this.failedLogins = failedLogins;
    this.rateLimit = rateLimit;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
    this.backoff = new LoginBackoff(maxFailures, firstBackoff, longestBackoff, counters);
  }

  record LoginRequest(String email, String password, String totp) {}

  record StepUpRequest(String totp) {}

  record TokenResponse(String accessToken, String tokenType, long expiresIn) {}

  /** The most recent failed-login counters (admins only), newest first. */
  @org.springframework.web.bind.annotation.GetMapping("/admin/failed-logins")
  List<FailedLogins.Entry> failedLogins(
      @org.springframework.web.bind.annotation.RequestParam(defaultValue = "100") int limit) {
    return failedLogins.recent(limit);
  }

  /** The public keys of the platform's own admin tokens, for services that verify them. */
  @org.springframework.web.bind.annotation.GetMapping("/admin/jwks.json")
  Map<String, Object> jwks() {
    return tokens.publicJwks();
  }

  @PostMapping("/admin/login")
  TokenResponse login(
      @RequestBody(required = false) LoginRequest request, HttpServletRequest http) {
    String address = http.getRemoteAddr();
    rateLimit.admit(address);
    Map<String, String> problems = new LinkedHashMap<>();
    if (request == null || blank(request.email())) {
      problems.put("email", "is required");
    }
    if (request == null || blank(request.password())) {
      problems.put("password", "is required");
    }
    if (request == null || blank(request.totp())) {
      problems.put("totp", "is required: the 6-digit code of your authenticator app");
    }
    // Bounds keep absurd input out of BCrypt and the audit log.
    if (request != null && request.email() != null && request.email().length() > 254) {
      problems.put("email", "must be at most 254 characters long");
    }
    if (request != null && request.password() != null && request.password().length() > 1024) {
      problems.put("password", "must be at most 1024 characters long");
    }
    if (request != null && request.totp() != null && request.totp().length() > 16) {
      problems.put("totp", "must be the 6-digit code of your authenticator app");
    }
    if (!problems.isEmpty()) {
      throw ApiException.invalid("fill in " + String.join(", ", problems.keySet()), problems);
    }
    Instant now = clock.instant();
    String actor = AdminAccounts.normalize(request.email());
    // Known or not, the pair's back-off is checked before the account is looked up.
    checkBackoff(actor, "login", address, now);
    AdminAccounts.Outcome outcome =
        accounts.login(request.email(), request.password(), request.totp().strip(), now);
    if (!outcome.accepted()) {
      refuse(actor, outcome, "login", address, now);
    }
    backoff.succeeded(actor, address);
    audit.append(null, outcome.email(), "admin.login", null, "succeeded", Map.of("amr", "pwd+otp"));
    return token(outcome.adminId(), outcome.email(), List.of("pwd", "otp"), now);
  }

  /**
   * Adds a fresh one-time code to a valid token (for example one from an external issuer without
   * MFA, or one whose code is older than the MFA max age).
   */
  @PostMapping("/admin/mfa")
  TokenResponse stepUp(
      @AuthenticationPrincipal Jwt jwt,
      @RequestBody(required = false) StepUpRequest request,
      HttpServletRequest http) {
    if (request == null || blank(request.totp())) {
      throw ApiException.invalid(
          "fill in totp",
          Map.of("totp", "is required: the 6-digit code of your authenticator app"));
    }
    String actor = FreshMfa.actor(jwt);
    String address = http.getRemoteAddr();
    Instant now = clock.instant();
    checkBackoff(actor, "mfa", address, now);
    AdminAccounts.Outcome outcome = accounts.stepUp(actor, request.totp().strip(), now);
    if (!outcome.accepted()) {
      refuse(actor, outcome, "mfa", address, now);
    }
    backoff.succeeded(actor, address);
    List<String> amr = new ArrayList<>();
    List<String> had = jwt.getClaimAsStringList("amr");
    if (had != null) {
      had.stream().filter(m -> !m.equals("otp")).forEach(amr::add);
    }
    amr.add("otp");
    audit.append(null, outcome.email(), "admin.mfa", null, "succeeded", Map.of());
    return token(outcome.adminId(), outcome.email(), amr, now);
  }

  private TokenResponse token(UUID adminId, String email, List<String> amr, Instant now) {
    long ttl = settings.tokenTtl().toSeconds();
    return new TokenResponse(tokens.issue(adminId, email, amr, now, now, ttl), "Bearer", ttl);
  }

  /**
   * Refuses while the back-off of this e-mail (known or not) from this client address runs: 429
   * {@code account_locked} with {@code Retry-After}. Only this pair waits; the account is not
   * locked, and the owner at another address signs in. A login refused here is counted in the
   * bounded failed-login table; a step-up refused here (an authenticated actor) is audited.
   */
  private void checkBackoff(String actor, String action, String address, Instant now) {
    Optional<Duration> wait = backoff.waitFor(actor, address, now);
    if (wait.isEmpty()) {
      return;
    }
    long seconds = LoginBackoff.retryAfterSeconds(wait.get());
    if ("mfa".equals(action)) {
      audit.append(
          null,
          actor,
          "admin.mfa",
          null,
          "refused",
          Map.of("reason", "locked", "address", address));
      metrics.mfaFailed("locked");
    } else {
      failedLogins.record(actor, address, "locked", now);
      metrics.loginFailed("locked");
    }
    throw ApiException.tooManyRequests(
        "account_locked",
        "too many failed attempts from this address: try again in " + seconds + " s",
        Duration.ofSeconds(seconds),
        Map.of("locked_until", now.plusSeconds(seconds).toString()));
  }

  /**
   * Records a refusal, counts it towards the back-off of the e-mail and client address, and throws
   * its answer. The append-only audit log keeps what concerns a real account: MFA failures (the
   * password was right, or the actor holds a token), the failure that starts a back-off, and every
   * step-up refusal. Wrong or unknown e-mails and passwords go to the bounded failed-login table.
   */
  private void refuse(
      String actor, AdminAccounts.Outcome outcome, String action, String address, Instant now) {
    String reason = outcome.refusal().name().toLowerCase(java.util.Locale.ROOT);
    LoginBackoff.Failure failure = backoff.failed(actor, address, now);
    boolean startsBackoff = failure.started() && outcome.adminId() != null;
    boolean realAccountEvent =
        "mfa".equals(action)
            || outcome.refusal() == AdminAccounts.Refusal.BAD_CODE
            || outcome.refusal() == AdminAccounts.Refusal.REPLAYED_CODE
            || startsBackoff;
    if (realAccountEvent) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("reason", reason);
      detail.put("address", address);
      if (failure.started()) {
        detail.put("backoff_seconds", LoginBackoff.retryAfterSeconds(failure.delay()));
      }
      audit.append(null, actor, "admin." + action, null, "refused", detail);
    } else {
      failedLogins.record(actor, address, reason, now);
    }
    if ("login".equals(action)) {
      metrics.loginFailed(reason);
    }
    if (outcome.refusal() != AdminAccounts.Refusal.BAD_CREDENTIALS || "mfa".equals(action)) {
      metrics.mfaFailed(reason);
    }
    throw switch (outcome.refusal()) {
      case REPLAYED_CODE ->
          new ApiException(
              HttpStatus.UNAUTHORIZED,
              "code_already_used",
              "this one-time code has been used already; wait for the next code of your"
                  + " authenticator app");
      case BAD_CODE, BAD_CREDENTIALS ->
          new ApiException(
              HttpStatus.UNAUTHORIZED,
              "login_failed",
              "mfa".equals(action)
                  ? "the one-time code is wrong; use the current code of your authenticator app"
                  : "e-mail, password or one-time code is wrong");
    };
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
