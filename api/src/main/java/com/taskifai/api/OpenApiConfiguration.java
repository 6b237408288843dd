package com.taskifai.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin API's OpenAPI 3 document at {@code /v3/api-docs}, generated from the controllers and
 * readable without a token (it names endpoints, never tenants); Swagger UI only in dev.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
  @Bean
  OpenAPI adminApiInfo() {
    return new OpenAPI()
        .info(
            new Info()
                .title("TaskifAI admin API")
                .description(
                    "Provisions and manages tenants. Errors are RFC 9457 problem details"
                        + " (application/problem+json) with a stable code.")
                .version("v1"));
  }
}
