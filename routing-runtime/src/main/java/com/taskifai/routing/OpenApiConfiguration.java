package com.taskifai.routing;

import com.taskifai.web.OpenApiModels;
import com.taskifai.web.ProblemOpenApi;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.properties.SpringDocConfigProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

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

  @Bean
  OpenApiCustomizer problemResponses() {
    return ProblemOpenApi.problemResponses();
  }

  /** Body members named as this app's JSON names them (snake case), in requests and answers. */
  @Bean
  ModelResolver jsonNames(JsonMapper mapper, SpringDocConfigProperties springDoc) {
    return OpenApiModels.modelResolver(mapper, springDoc.isOpenapi31());
  }

  /** Answers may hold only the members the document names (requests stay open). */
  @Bean
  OpenApiCustomizer closedAnswers() {
    return OpenApiModels.closedAnswers();
  }
}
