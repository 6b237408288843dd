package com.taskifai.web.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** What both apps' OpenAPI tests check: a valid document that lists every mapped endpoint. */
public final class OpenApiCoverage {
  private OpenApiCoverage() {}

  /** The document, after checking that it is valid OpenAPI 3 with the Problem schema. */
  public static OpenAPI valid(String json) {
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(json, null, new ParseOptions());
    assertThat(parsed.getMessages()).isEmpty();
    OpenAPI openApi = parsed.getOpenAPI();
    assertThat(openApi.getOpenapi()).startsWith("3.");
    assertThat(openApi.getComponents().getSchemas()).containsKey("Problem");
    return openApi;
  }

  /**
   * Checks that every endpoint of the app's own controllers is in the document with its method and
   * the problem-detail responses (4XX, 5XX); returns how many operations it checked.
   */
  public static int assertEveryEndpointDocumented(
      RequestMappingHandlerMapping mapping, OpenAPI openApi) {
    int checked = 0;
    for (var entry : mapping.getHandlerMethods().entrySet()) {
      String owner = entry.getValue().getBeanType().getName();
      if (!owner.startsWith("com.taskifai.")) {
        continue; // springdoc's own endpoints
      }
      if (org.springframework.boot.webmvc.error.ErrorController.class.isAssignableFrom(
          entry.getValue().getBeanType())) {
        continue; // the container's error page, reached only by forwarding
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
    return checked;
  }
}
