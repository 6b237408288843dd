package com.taskifai.routing;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The routing runtime's registry cache and routing.
 *
 * @param cacheTtl how long a tenant looked up in the registry is served from the cache
 * @param unknownTenantTtl how long an unknown subdomain is remembered as unknown
 * @param schemaVersions the tenant schema versions this router serves ({@code min..max}); empty for
 *     the versions it was built with
 * @param unroutedPaths paths served without a tenant (health, probes, the OpenAPI document)
 * @param budgetHeartbeat how often the router renews its claims on the database servers' connection
 *     budgets
 * @param budgetLease how long a router's budget claim lives without renewal (at least three
 *     heartbeats)
 */
@ConfigurationProperties("taskifai.router")
public record RouterProperties(
    @DefaultValue("PT15M") Duration cacheTtl,
    @DefaultValue("PT5S") Duration unknownTenantTtl,
    @DefaultValue("") String schemaVersions,
    @DefaultValue({"/actuator", "/livez", "/readyz", "/v3/api-docs"}) List<String> unroutedPaths,
    @DefaultValue("PT1S") Duration budgetHeartbeat,
    @DefaultValue("PT10S") Duration budgetLease) {}
