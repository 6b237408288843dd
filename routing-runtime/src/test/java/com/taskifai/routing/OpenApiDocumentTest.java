package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The tenant API's OpenAPI document: served without a tenant, valid OpenAPI 3, lists every mapped
 * endpoint and declares the problem-detail errors; errors of the routing filter are problem
 * details.
 */
class OpenApiDocumentTest {

  @Test
  void theDocumentIsValidAndListsEveryMappedEndpoint() {
    RouterApp app = SharedRouter.app();
    RouterApp.Response docs = app.get("localhost", "/v3/api-docs", null);
    assertThat(docs.status()).isEqualTo(200);

    ParseOptions options = new ParseOptions();
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(docs.body(), null, options);
    assertThat(parsed.getMessages()).isEmpty();
    OpenAPI openApi = parsed.getOpenAPI();
    assertThat(openApi.getOpenapi()).startsWith("3.");
    assertThat(openApi.getComponents().getSchemas()).containsKey("Problem");

    RequestMappingHandlerMapping mapping =
        app.context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
    int checked = 0;
    for (var entry : mapping.getHandlerMethods().entrySet()) {
      String owner = entry.getValue().getBeanType().getName();
      if (!owner.startsWith("com.taskifai.")) {
        continue; // springdoc's own endpoints
      }
      for (String pattern : entry.getKey().getPatternValues()) {
        String path = pattern.replaceAll("\\{([^}:]+):[^}]*}", "{$1}");
        PathItem item = openApi.getPaths().get(path);
        assertThat(item).as(owner + " " + path).isNotNull();
        for (RequestMethod method : entry.getKey().getMethodsCondition().getMethods()) {
          var operation = item.readOperationsMap().get(PathItem.HttpMethod.valueOf(method.name()));
          assertThat(operation).as(method + " " + path).isNotNull();
          assertThat(operation.getResponses()).as(method + " " + path).containsKeys("4XX", "5XX");
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  @Test
  void theFilterRefusesWithAProblemDetailThatKeepsTheOldMembers() {
    RouterApp app = SharedRouter.app();
    RouterApp.Response refused = app.get("no-such-tenant.localhost", "/api/products", null);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    var body = refused.json();
    assertThat(body.get("status").asInt()).isEqualTo(403);
    assertThat(body.get("code").asString()).isEqualTo("forbidden");
    assertThat(body.get("error").asString()).isEqualTo("forbidden");
    assertThat(body.get("detail").asString()).contains("no active tenant");
    assertThat(body.get("message").asString()).isEqualTo(body.get("detail").asString());
  }
}
