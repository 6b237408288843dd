package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Conversation history. There is no filter by user in the queries on purpose: row level security
 * shows a user their own rows and an admin all of them.
 */
@RestController
class ConversationsController {
  private static final int MAX_MESSAGE = 20_000;

  private final TenantDatabase db;

  ConversationsController(TenantDatabase db) {
    this.db = db;
  }

  record NewMessage(String role, String message) {}

  @GetMapping("/api/conversations")
  Page<Conversations.Conversation> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) Integer offset) {
    int l = Page.limit(limit);
    int o = Page.offset(offset);
    return db.inTransaction(tenant, user, tx -> Conversations.page(tx.jdbc(), l, o));
  }

  @PostMapping("/api/conversations")
  @ResponseStatus(HttpStatus.CREATED)
  Conversations.Conversation add(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestBody NewMessage body) {
    String role = body.role() == null ? "user" : body.role();
    if (!role.equals("user") && !role.equals("assistant")) {
      throw ApiException.badRequest("role must be 'user' or 'assistant'");
    }
    if (body.message() == null || body.message().isBlank()) {
      throw ApiException.badRequest("message is required");
    }
    if (body.message().length() > MAX_MESSAGE) {
      throw ApiException.badRequest("message must be at most " + MAX_MESSAGE + " characters");
    }
    return db.inTransaction(
        tenant, user, tx -> Conversations.add(tx.jdbc(), user.userId(), role, body.message()));
  }
}
