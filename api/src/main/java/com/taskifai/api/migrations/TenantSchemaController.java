package com.taskifai.api.migrations;

import com.taskifai.api.ApiException;
import com.taskifai.registry.TenantRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /admin/tenants/{id}/schema}: the tenant schema version the registry records. */
@RestController
class TenantSchemaController {
  private final TenantRegistry registry;

  TenantSchemaController(TenantRegistry registry) {
    this.registry = registry;
  }

  @GetMapping("/admin/tenants/{id}/schema")
  Map<String, Object> schema(@PathVariable UUID id) {
    registry.findById(id).orElseThrow(() -> ApiException.notFound("no tenant has id " + id));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("tenant_id", id);
    body.put("schema_version", registry.fleetMigrations().schemaVersion(id).orElse(null));
    return body;
  }
}
