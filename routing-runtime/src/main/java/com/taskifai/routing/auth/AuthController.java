package com.taskifai.routing.auth;

import com.taskifai.routing.api.ApiException;
import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.SetPasswordTokens;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * Sign-in for tenant users: the set-password page and call for the one-time token from the welcome
 * mail, and login for a tenant JWT. Runs as the sign-in context of row level security.
 */
@RestController
class AuthController {
  private final TenantDatabase db;
  private final Passwords passwords;
  private final TenantTokens tokens;
  private final SignInLimits limits;

  AuthController(TenantDatabase db, Passwords passwords, TenantTokens tokens, SignInLimits limits) {
    this.db = db;
    this.passwords = passwords;
    this.tokens = tokens;
    this.limits = limits;
  }

  record SetPasswordRequest(String token, String password) {}

  record LoginRequest(String email, String password) {}

  record LoginResponse(String accessToken, String tokenType, long expiresIn) {}

  /** A page for people: a form that posts the token and the new password. */
  @GetMapping(value = "/set-password", produces = MediaType.TEXT_HTML_VALUE)
  String setPasswordPage(@RequestParam(name = "token", required = false) String token) {
    String t = token == null ? "" : HtmlUtils.htmlEscape(token);
    return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Set your password</title>
        <meta name="referrer" content="no-referrer">
        <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto}
        input,button{display:block;width:100%%;margin:.5rem 0;padding:.5rem}</style></head>
        <body><h1>Set your password</h1>
        <form id="f"><input type="hidden" id="token" value="%s">
        <label>New password (at least %d characters)
        <input type="password" id="password" autocomplete="new-password" required></label>
        <button type="submit">Set password</button></form><p id="out" role="status"></p>
        <script>
        document.getElementById('f').addEventListener('submit', async (e) => {
          e.preventDefault();
          const r = await fetch('/api/auth/set-password', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({token: document.getElementById('token').value,
                                  password: document.getElementById('password').value})});
          const b = await r.json();
          document.getElementById('out').textContent = r.ok
            ? 'Your password is set. You can sign in now.' : b.message;
        });
        </script></body></html>
        """
        .formatted(t, Passwords.MIN_LENGTH);
  }

  @PostMapping("/api/auth/set-password")
  Map<String, Object> setPassword(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestBody SetPasswordRequest body,
      HttpServletRequest request) {
    limits.admit(tenant, request.getRemoteAddr());
    if (body.token() == null || body.token().isBlank()) {
      throw ApiException.badRequest("token is required: use the link from your e-mail");
    }
    passwords.requireAcceptable(body.password());
    String tokenHash = SetPasswordTokens.hash(body.token().strip());
    String passwordHash = passwords.hash(body.password());
    Instant now = Instant.now();
    String outcome =
        db.inTransaction(
            tenant,
            TenantUser.SIGN_IN,
            tx -> {
              Optional<Map<String, Object>> user =
                  tx
                      .jdbc()
                      .sql(
                          "SELECT id, set_password_token_expires_at FROM users"
                              + " WHERE set_password_token_hash = ? FOR UPDATE")
                      .param(tokenHash)
                      .query()
                      .listOfRows()
                      .stream()
                      .findFirst();
              if (user.isEmpty()) {
                return "unknown";
              }
              Object expires = user.get().get("set_password_token_expires_at");
              if (expires == null || !((Timestamp) expires).toInstant().isAfter(now)) {
                return "expired";
              }
              tx.jdbc()
                  .sql(
                      "UPDATE users SET password_hash = ?, set_password_token_hash = NULL,"
                          + " set_password_token_expires_at = NULL, failed_logins = 0,"
                          + " locked_until = NULL, updated_at = now() WHERE id = ?")
                  .params(passwordHash, user.get().get("id"))
                  .update();
              return "set";
            });
    return switch (outcome) {
      case "unknown" ->
          throw ApiException.badRequest(
              "this set-password link is not valid or was already used; ask an admin for a new"
                  + " one");
      case "expired" ->
          throw ApiException.badRequest(
              "this set-password link has expired; ask an admin for a new one");
      default -> Map.of("status", "password_set");
    };
  }

  /**
   * Signs in: the user's row is read in a short transaction, the BCrypt hash is checked with no
   * connection held, and the outcome is recorded in a second short transaction. Unknown e-mails
   * cost the same BCrypt check and get the same answers, back-off included.
   */
  @PostMapping("/api/auth/login")
  LoginResponse login(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestBody LoginRequest body,
      HttpServletRequest request) {
    String address = request.getRemoteAddr();
    limits.admit(tenant, address);
    if (body.email() == null || body.email().isBlank() || body.password() == null) {
      throw ApiException.badRequest("email and password are required");
    }
    if (body.email().length() > 254) {
      throw ApiException.badRequest("email must be at most 254 characters long");
    }
    String email = body.email().strip().toLowerCase(Locale.ROOT);
    Instant now = Instant.now();
    limits.checkBackoff(tenant, email, address, now);
    Optional<Map<String, Object>> row =
        db.inTransaction(
            tenant,
            TenantUser.SIGN_IN,
            tx ->
                tx
                    .jdbc()
                    .sql(
                        "SELECT id, role, password_hash, failed_logins, locked_until FROM users"
                            + " WHERE email = ?")
                    .param(email)
                    .query()
                    .listOfRows()
                    .stream()
                    .findFirst());
    String hash = row.map(u -> (String) u.get("password_hash")).orElse(null);
    if (!passwords.matches(body.password(), hash)) {
      if (row.isPresent()) {
        db.inTransaction(
            tenant,
            TenantUser.SIGN_IN,
            tx ->
                tx.jdbc()
                    .sql(
                        "UPDATE users SET failed_logins = LEAST(failed_logins + 1, 1000000)"
                            + " WHERE id = ?")
                    .param(row.get().get("id"))
                    .update());
      }
      limits.failed(tenant, email, address, now);
      throw new ApiException(
          HttpStatus.UNAUTHORIZED, "unauthorized", "e-mail or password is wrong");
    }
    limits.succeeded(tenant, email, address);
    Map<String, Object> u = row.get();
    if (((Number) u.get("failed_logins")).intValue() != 0 || u.get("locked_until") != null) {
      db.inTransaction(
          tenant,
          TenantUser.SIGN_IN,
          tx ->
              tx.jdbc()
                  .sql("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?")
                  .param(u.get("id"))
                  .update());
    }
    String token =
        tokens.issue(
            tenant.tenant().tenantId(), (UUID) u.get("id"), (String) u.get("role"), Instant.now());
    return new LoginResponse(token, "Bearer", tokens.ttl().toSeconds());
  }
}
