package com.taskifai.web;

import io.swagger.v3.core.jackson.ModelResolver;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.properties.SpringDocConfigProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * What both apps' OpenAPI documents share, imported by each app: problem responses on every
 * operation, body members named as the app's JSON names them, and answers closed to members the
 * document does not name. Each app adds only its own title and description.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConventions {

  /** Every operation documents its problem responses ({@link ProblemOpenApi}). */
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
