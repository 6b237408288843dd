package com.taskifai.activities;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the tenant migrations come from.
 *
 * @param tenantMigrationLocations Flyway locations of the tenant migrations (comma separated in the
 *     environment, e.g. to add a test-only set); provisioning, the templates and rollouts all use
 *     them
 */
@ConfigurationProperties("taskifai")
public record TenantMigrationSettings(
    @DefaultValue("classpath:db/tenant") List<String> tenantMigrationLocations) {

  public TenantMigrationSettings {
    tenantMigrationLocations =
        tenantMigrationLocations.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
