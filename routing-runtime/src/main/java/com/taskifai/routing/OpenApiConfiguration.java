package com.taskifai.routing;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The tenant API's OpenAPI 3 document at {@code /v3/api-docs}, served on any Host without a tenant
 * (it describes endpoints only); no Swagger UI.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
  @Bean
  OpenAPI tenantApiInfo() {
    return new OpenAPI()
        .info(
            new Info()
                .title("TaskifAI tenant API")
                .description(
                    "Served at <subdomain>.<base domain> from that tenant's own database. Errors"
                        + " are RFC 9457 problem details (application/problem+json) with a stable"
                        + " code.")
                .version("v1"));
  }
}
