package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantDatabase;
import com.taskifai.routing.tenancy.TenantUser;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The tenant's e-commerce orders, newest first. */
@RestController
class OrdersController {
  private final TenantDatabase db;

  OrdersController(TenantDatabase db) {
    this.db = db;
  }

  @GetMapping("/api/orders")
  Page<Orders.Order> list(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) Integer offset) {
    int l = Page.limit(limit);
    int o = Page.offset(offset);
    return db.inTransaction(tenant, user, tx -> Orders.page(tx.jdbc(), l, o));
  }
}
