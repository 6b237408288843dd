package com.taskifai.routing.tenancy;

import com.taskifai.registry.Tenant;

/** The tenant a request was routed to by its Host header. */
public record RoutedTenant(Tenant tenant) {
  /** Request attribute that holds the routed tenant. */
  public static final String ATTRIBUTE = "taskifai.routedTenant";

  public String id() {
    return tenant.tenantId().toString();
  }
}
