package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.SetPasswordTokens;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The signed-in user, and the tenant's users (admins create them). */
@RestController
class UsersController {
  private static final Duration NEW_USER_TOKEN_TTL = Duration.ofDays(7);
  private static final String COLUMNS = "id, email, display_name, role, created_at";

  private final TenantDatabase db;

  UsersController(TenantDatabase db) {
    this.db = db;
  }

  record NewUser(String email, String displayName, String role) {}

  @GetMapping("/api/me")
  Map<String, Object> me(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    Map<String, Object> me =
        db.inTransaction(
            tenant,
            user,
            tx ->
                tx
                    .jdbc()
                    .sql("SELECT " + COLUMNS + " FROM users WHERE id = ?")
                    .param(user.userId())
                    .query(Rows.MAPPER)
                    .list()
                    .stream()
                    .findFirst()
                    .orElseThrow(() -> ApiException.notFound("your user no longer exists")));
    Map<String, Object> out = new LinkedHashMap<>(me);
    out.put("tenant_id", tenant.id());
    out.put("subdomain", tenant.tenant().subdomain());
    return out;
  }

  @GetMapping("/api/users")
  List<Map<String, Object>> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    return db.inTransaction(
        tenant,
        user,
        tx ->
            tx.jdbc()
                .sql("SELECT " + COLUMNS + " FROM users ORDER BY email")
                .query(Rows.MAPPER)
                .list());
  }

  /**
   * Creates a user with a one-time set-password token, returned once in this answer for the admin
   * to hand over (the routing runtime sends no mail).
   */
  @PostMapping("/api/users")
  @ResponseStatus(HttpStatus.CREATED)
  Map<String, Object> create(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestBody NewUser body) {
    if (!user.isAdmin()) {
      throw ApiException.adminOnly("create users");
    }
    if (!com.taskifai.web.EmailAddresses.isValid(body.email())) {
      throw ApiException.badRequest("email must be an e-mail address such as ana@example.com");
    }
    String role = body.role() == null ? "user" : body.role();
    if (!role.equals("user") && !role.equals("admin")) {
      throw ApiException.badRequest("role must be 'user' or 'admin'");
    }
    if (body.displayName() != null && body.displayName().length() > 200) {
      throw ApiException.badRequest("display_name must be at most 200 characters");
    }
    String email = body.email().strip().toLowerCase(Locale.ROOT);
    String token = SetPasswordTokens.newToken();
    Instant expires = Instant.now().plus(NEW_USER_TOKEN_TTL);
    UUID id =
        db.inTransaction(
            tenant,
            user,
            tx -> {
              boolean exists =
                  tx.jdbc()
                          .sql("SELECT count(*) FROM users WHERE email = ?")
                          .param(email)
                          .query(Long.class)
                          .single()
                      > 0;
              if (exists) {
                throw new ApiException(
                    HttpStatus.CONFLICT, "conflict", "a user with this e-mail already exists");
              }
              return tx.jdbc()
                  .sql(
                      "INSERT INTO users (email, display_name, role, set_password_token_hash,"
                          + " set_password_token_expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
                  .params(
                      email,
                      body.displayName(),
                      role,
                      SetPasswordTokens.hash(token),
                      Timestamp.from(expires))
                  .query(UUID.class)
                  .single();
            });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("email", email);
    out.put("display_name", body.displayName());
    out.put("role", role);
    out.put("set_password_token", token);
    out.put("set_password_path", "/set-password?token=" + token);
    out.put("set_password_expires_at", expires.toString());
    return out;
  }
}
