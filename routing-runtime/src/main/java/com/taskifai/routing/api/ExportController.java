package com.taskifai.routing.api;

import com.taskifai.routing.tenancy.RoutedTenant;
import com.taskifai.routing.tenancy.TenantUser;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The tenant admin's export of the tenant's data: request one (202, its workflow runs on the
 * worker) and poll it until READY, when it carries its one-use download link.
 */
@RestController
class ExportController {
  private final TenantExportRequests exports;

  ExportController(TenantExportRequests exports) {
    this.exports = exports;
  }

  @PostMapping("/api/export")
  @ResponseStatus(HttpStatus.ACCEPTED)
  TenantExportRequests.Requested request(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user) {
    return exports.request(tenant, user);
  }

  @GetMapping("/api/export/{exportId}")
  TenantExportRequests.ExportView show(
      @RequestAttribute(RoutedTenant.ATTRIBUTE) RoutedTenant tenant,
      @RequestAttribute(TenantUser.ATTRIBUTE) TenantUser user,
      @PathVariable UUID exportId) {
    return exports.show(tenant, user, exportId);
  }
}
