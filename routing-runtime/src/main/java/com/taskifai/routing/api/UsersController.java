package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import com.taskifai.tenantschema.SetPasswordTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
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

  private final TenantDatabase db;

  UsersController(TenantDatabase db) {
    this.db = db;
  }

  record NewUser(String email, String displayName, String role) {}

  /** The signed-in user and the tenant they are signed in to. */
  record Me(
      UUID id,
      String email,
      String displayName,
      String role,
      Instant createdAt,
      String tenantId,
      String subdomain) {}

  /** A new user with their one-time set-password token. */
  record CreatedUser(
      UUID id,
      String email,
      String displayName,
      String role,
      String setPasswordToken,
      String setPasswordPath,
      String setPasswordExpiresAt) {}

  @GetMapping("/api/me")
  Me me(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    Users.User me =
        db.inTransaction(
            tenant,
            user,
            tx ->
                Users.find(tx.jdbc(), user.userId())
                    .orElseThrow(() -> ApiException.notFound("your user no longer exists")));
    return new Me(
        me.id(),
        me.email(),
        me.displayName(),
        me.role(),
        me.createdAt(),
        tenant.id(),
        tenant.tenant().subdomain());
  }

  @GetMapping("/api/users")
  List<Users.User> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    return db.inTransaction(tenant, user, tx -> Users.all(tx.jdbc()));
  }

  /**
   * Creates a user with a one-time set-password token, returned once in this answer for the admin
   * to hand over (the routing runtime sends no mail).
   */
  @PostMapping("/api/users")
  @ResponseStatus(HttpStatus.CREATED)
  CreatedUser create(
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
              if (Users.emailTaken(tx.jdbc(), email)) {
                throw new ApiException(
                    HttpStatus.CONFLICT, "conflict", "a user with this e-mail already exists");
              }
              return Users.add(
                  tx.jdbc(),
                  email,
                  body.displayName(),
                  role,
                  SetPasswordTokens.hash(token),
                  expires);
            });
    return new CreatedUser(
        id,
        email,
        body.displayName(),
        role,
        token,
        "/set-password?token=" + token,
        expires.toString());
  }
}
