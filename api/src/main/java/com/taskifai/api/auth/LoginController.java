package com.taskifai.api.auth;

import com.taskifai.api.ApiException;
import com.taskifai.api.ApiSettings;
import com.taskifai.api.metrics.PlatformMetrics;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.FailedLogins;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
      Clock clock) {
    this.accounts = accounts;
    this.tokens = tokens;
    this.audit = audit;
    this.failedLogins = failedLogins;
    this.rateLimit = rateLimit;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
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
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "validation_failed",
          "fill in " + String.join(", ", problems.keySet()),
          Map.of("fields", problems));
    }
    Instant now = clock.instant();
    AdminAccounts.Outcome outcome =
        accounts.login(request.email(), request.password(), request.totp().strip(), now);
    String actor = AdminAccounts.normalize(request.email());
    if (!outcome.accepted()) {
      refuse(actor, outcome, "login", address, now);
    }
    audit.append(null, outcome.email(), "admin.login", null, "succeeded", Map.of("amr", "pwd+otp"));
    return token(outcome.adminId(), outcome.email(), List.of("pwd", "otp"), now);
  }

  /**
   * Adds a fresh one-time code to a valid token (for example one from an external issuer without
   * MFA, or one whose code is older than the MFA max age).
   */
  @PostMapping("/admin/mfa")
  TokenResponse stepUp(
      @AuthenticationPrincipal Jwt jwt, @RequestBody(required = false) StepUpRequest request) {
    if (request == null || blank(request.totp())) {
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          "validation_failed",
          "fill in totp",
          Map.of(
              "fields", Map.of("totp", "is required: the 6-digit code of your authenticator app")));
    }
    String actor = FreshMfa.actor(jwt);
    Instant now = clock.instant();
    AdminAccounts.Outcome outcome = accounts.stepUp(actor, request.totp().strip(), now);
    if (!outcome.accepted()) {
      refuse(actor, outcome, "mfa", null, now);
    }
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
   * Records a refusal and throws its answer. The append-only audit log keeps what concerns a real
   * account: MFA failures (the password was right, or the actor holds a token), the attempt that
   * locks an account, and every step-up refusal. Wrong or unknown e-mails and passwords, and
   * attempts on an account that is locked already, are counted in the bounded failed-login table.
   */
  private void refuse(
      String actor, AdminAccounts.Outcome outcome, String action, String address, Instant now) {
    String reason = outcome.refusal().name().toLowerCase(java.util.Locale.ROOT);
    boolean realAccountEvent =
        "mfa".equals(action)
            || outcome.refusal() == AdminAccounts.Refusal.BAD_CODE
            || outcome.refusal() == AdminAccounts.Refusal.REPLAYED_CODE
            || outcome.lockedNow();
    if (realAccountEvent) {
      audit.append(null, actor, "admin." + action, null, "refused", Map.of("reason", reason));
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
      case LOCKED ->
          new ApiException(
              HttpStatus.LOCKED,
              "account_locked",
              "too many failed attempts: the account is locked until "
                  + outcome.lockedUntil()
                  + "; try again after that",
              Map.of("locked_until", outcome.lockedUntil().toString()));
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
