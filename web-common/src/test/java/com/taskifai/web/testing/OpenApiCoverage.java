package com.taskifai.web.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

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

  /**
   * Checks that a real answer of the app is what its document says for that operation and status:
   * every member of every object is declared (under the name the app wrote), every required member
   * is there, and each value has a documented type.
   */
  public static void assertAnswerDocumented(
      OpenAPI openApi, String method, String path, int status, JsonNode body) {
    assertThat(answerFindings(openApi, method, path, status, body))
        .as(method + " " + path + " " + status + " answered " + body)
        .isEmpty();
  }

  /** What in the answer the document does not describe; empty when it matches. */
  public static List<String> answerFindings(
      OpenAPI openApi, String method, String path, int status, JsonNode body) {
    Operation operation = operation(openApi, method, path);
    ApiResponse response = operation.getResponses().get(String.valueOf(status));
    if (response == null) {
      response = operation.getResponses().get(status / 100 + "XX");
    }
    assertThat(response).as(method + " " + path + " documents no " + status).isNotNull();
    assertThat(response.getContent()).as(method + " " + path + " " + status).isNotEmpty();
    Schema<?> schema = null;
    for (Map.Entry<String, MediaType> media : response.getContent().entrySet()) {
      if (media.getKey().contains("json") || media.getKey().equals("*/*")) {
        schema = media.getValue().getSchema();
        break;
      }
    }
    assertThat(schema).as(method + " " + path + " " + status + " has no JSON schema").isNotNull();
    List<String> findings = new ArrayList<>();
    check(openApi, schema, body, "", findings);
    return findings;
  }

  /**
   * Checks that a request body the app accepts is what its document asks for: every member is
   * declared under the name the app reads, and the required ones are there.
   */
  public static void assertRequestDocumented(
      OpenAPI openApi, String method, String path, JsonNode body) {
    Operation operation = operation(openApi, method, path);
    assertThat(operation.getRequestBody()).as(method + " " + path + " takes no body").isNotNull();
    Schema<?> schema = null;
    for (Map.Entry<String, MediaType> media : operation.getRequestBody().getContent().entrySet()) {
      if (media.getKey().contains("json")) {
        schema = media.getValue().getSchema();
      }
    }
    assertThat(schema).as(method + " " + path + " takes no JSON").isNotNull();
    List<String> findings = new ArrayList<>();
    check(openApi, schema, body, "", findings);
    assertThat(findings).as(method + " " + path + " with " + body).isEmpty();
  }

  /** The operation whose path template matches the concrete path (a literal segment wins). */
  private static Operation operation(OpenAPI openApi, String method, String path) {
    String[] segments = path.split("\\?")[0].split("/", -1);
    String best = null;
    int bestVariables = Integer.MAX_VALUE;
    for (String template : openApi.getPaths().keySet()) {
      String[] parts = template.split("/", -1);
      if (parts.length != segments.length) {
        continue;
      }
      int variables = 0;
      boolean matches = true;
      for (int i = 0; i < parts.length && matches; i++) {
        if (parts[i].startsWith("{") && parts[i].endsWith("}")) {
          variables++;
        } else {
          matches = parts[i].equals(segments[i]);
        }
      }
      if (matches && variables < bestVariables) {
        best = template;
        bestVariables = variables;
      }
    }
    assertThat(best).as("no documented path matches " + path).isNotNull();
    Operation operation =
        openApi.getPaths().get(best).readOperationsMap().get(PathItem.HttpMethod.valueOf(method));
    assertThat(operation).as(method + " " + best + " is not documented").isNotNull();
    return operation;
  }

  private static Schema<?> resolve(OpenAPI openApi, Schema<?> schema) {
    while (schema != null && schema.get$ref() != null) {
      String name = schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1);
      schema = openApi.getComponents().getSchemas().get(name);
    }
    return schema;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void check(
      OpenAPI openApi, Schema<?> declared, JsonNode value, String at, List<String> findings) {
    Schema<?> schema = resolve(openApi, declared);
    if (schema == null) {
      findings.add(at + ": refers to a schema the document lacks: " + declared.get$ref());
      return;
    }
    List<Schema> alternatives = schema.getAnyOf() != null ? schema.getAnyOf() : schema.getOneOf();
    if (alternatives != null) {
      List<String> closest = null;
      for (Schema alternative : alternatives) {
        List<String> found = new ArrayList<>();
        check(openApi, alternative, value, at, found);
        if (found.isEmpty()) {
          return;
        }
        if (closest == null || found.size() < closest.size()) {
          closest = found;
        }
      }
      findings.addAll(closest);
      return;
    }
    if (schema.getAllOf() != null) {
      for (Schema part : schema.getAllOf()) {
        check(openApi, part, value, at, findings);
      }
    }
    Set<String> types = schema.getTypes();
    if (types == null && schema.getType() != null) {
      types = Set.of(schema.getType());
    }
    if (types != null && !types.contains(typeOf(value))) {
      boolean integral = value.isIntegralNumber() && types.contains("number");
      boolean nullable = value.isNull() && Boolean.TRUE.equals(schema.getNullable());
      if (!integral && !nullable) {
        findings.add(at + ": is " + typeOf(value) + ", documented as " + types);
        return;
      }
    }
    if (value.isArray() && schema.getItems() != null) {
      for (int i = 0; i < value.size(); i++) {
        check(openApi, schema.getItems(), value.get(i), at + "/" + i, findings);
      }
    }
    if (!value.isObject()) {
      return;
    }
    Map<String, Schema> properties =
        schema.getProperties() == null ? Map.of() : schema.getProperties();
    Object additional = schema.getAdditionalProperties();
    if (schema.getRequired() != null) {
      for (String required : schema.getRequired()) {
        if (!value.has(required)) {
          findings.add(at + ": lacks the required member " + required);
        }
      }
    }
    for (String name : value.propertyNames()) {
      Schema member = properties.get(name);
      if (member != null) {
        check(openApi, member, value.get(name), at + "/" + name, findings);
      } else if (additional instanceof Schema extra) {
        check(openApi, extra, value.get(name), at + "/" + name, findings);
      } else if (properties.isEmpty() && !Boolean.FALSE.equals(additional)) {
        continue; // a free-form object (a map)
      } else if (!Boolean.TRUE.equals(additional)) {
        findings.add(at + "/" + name + ": is not declared (declared: " + properties.keySet() + ")");
      }
    }
  }

  private static String typeOf(JsonNode value) {
    if (value.isNull()) {
      return "null";
    }
    if (value.isObject()) {
      return "object";
    }
    if (value.isArray()) {
      return "array";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    return value.isNumber() ? "number" : "string";
  }
}
