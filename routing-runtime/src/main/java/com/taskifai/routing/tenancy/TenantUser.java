package com.taskifai.routing.tenancy;

import java.util.UUID;

/**
 * Who makes a request, from a verified tenant JWT; becomes {@code app.user_id} and {@code
 * app.user_role} in the request's transaction.
 */
public record TenantUser(UUID userId, String role) {
  /** Request attribute that holds the user. */
  public static final String ATTRIBUTE = "taskifai.tenantUser";

  /** The context of the sign-in flows, which read and update users before anyone is known. */
  public static final TenantUser SIGN_IN = new TenantUser(null, "auth");

  public boolean isAdmin() {
    return "admin".equals(role);
  }
}
