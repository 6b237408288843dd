package com.taskifai.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.springdoc.core.customizers.OpenApiCustomizer;

/**
 * Declares the problem-detail error body in an app's OpenAPI document, for every operation, and
 * what both apps' JSON really holds: they write every member ({@code
 * spring.jackson.default-property-inclusion=always}), so a member that is not required may be
 * {@code null}.
 */
public final class ProblemOpenApi {
  /** The name of the error body's schema in {@code components.schemas}. */
  public static final String SCHEMA = "Problem";

  private ProblemOpenApi() {}

  /**
   * Adds the {@value #SCHEMA} schema and a {@code 4XX} and {@code 5XX} answer to each operation.
   */
  public static OpenApiCustomizer problemResponses() {
    return openApi -> {
      if (openApi.getComponents() == null) {
        openApi.setComponents(new Components());
      }
      openApi.getComponents().addSchemas(SCHEMA, schema());
      if (openApi.getComponents().getSchemas() != null) {
        openApi.getComponents().getSchemas().values().forEach(ProblemOpenApi::optionalMayBeNull);
      }
      Content content =
          new Content()
              .addMediaType(
                  Problems.PROBLEM_JSON.toString(),
                  new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + SCHEMA)));
      if (openApi.getPaths() == null) {
        return;
      }
      openApi
          .getPaths()
          .values()
          .forEach(
              item ->
                  item.readOperations()
                      .forEach(
                          op -> {
                            if (op.getResponses() == null) {
                              op.setResponses(new ApiResponses());
                            }
                            op.getResponses()
                                .putIfAbsent(
                                    "4XX",
                                    new ApiResponse()
                                        .description("refused: see code and detail")
                                        .content(isPage(op) ? pageOrProblem(content) : content));
                            op.getResponses()
                                .putIfAbsent(
                                    "5XX",
                                    new ApiResponse()
                                        .description(
                                            "a server fault (internal_error, with a log ref) or an"
                                                + " unavailable dependency (with Retry-After)")
                                        .content(content));
                          }));
    };
  }

  /** Whether the operation answers with an HTML page (for people): its refusals are pages too. */
  private static boolean isPage(io.swagger.v3.oas.models.Operation op) {
    ApiResponse ok = op.getResponses().get("200");
    return ok != null
        && ok.getContent() != null
        && ok.getContent().keySet().stream().allMatch(t -> t.startsWith("text/html"));
  }

  private static Content pageOrProblem(Content problem) {
    Content both = new Content();
    problem.forEach(both::addMediaType);
    both.addMediaType("text/html", new MediaType().schema(new StringSchema()));
    return both;
  }

  static Schema<?> schema() {
    ObjectSchema fieldError = new ObjectSchema();
    fieldError.addProperty("field", new StringSchema());
    fieldError.addProperty("message", new StringSchema());
    ObjectSchema problem = new ObjectSchema();
    problem.description("An RFC 9457 problem detail; extra members depend on the code.");
    // RFC 9457: type and instance are URI references (the instance is the request's path).
    problem.addProperty("type", new StringSchema().format("uri-reference"));
    problem.addProperty("title", new StringSchema());
    problem.addProperty("status", new IntegerSchema());
    problem.addProperty("detail", new StringSchema().description("what went wrong and what to do"));
    problem.addProperty("instance", new StringSchema().format("uri-reference"));
    problem.addProperty("code", new StringSchema().description("stable machine-readable code"));
    problem.addProperty("error", new StringSchema().description("same as code (older clients)"));
    problem.addProperty(
        "message", new StringSchema().description("same as detail (older clients)"));
    problem.addProperty(
        "errors", new ArraySchema().items(fieldError).description("problems with input fields"));
    problem.addProperty(
        "ref", new StringSchema().description("log reference of an internal_error"));
    problem.setAdditionalProperties(Boolean.TRUE);
    problem.addRequiredItem("status");
    problem.addRequiredItem("code");
    return problem;
  }

  /** Lets every member of an object schema that is not required be {@code null}, recursively. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static void optionalMayBeNull(Schema<?> schema) {
    if (schema == null) {
      return;
    }
    if (schema.getItems() != null) {
      optionalMayBeNull(schema.getItems());
    }
    if (schema.getProperties() == null) {
      return;
    }
    java.util.List<String> required =
        schema.getRequired() == null ? java.util.List.of() : schema.getRequired();
    for (java.util.Map.Entry<String, Schema> e : schema.getProperties().entrySet()) {
      Schema property = e.getValue();
      if (!required.contains(e.getKey())) {
        if (property.get$ref() != null) {
          Schema nullable = new Schema<>();
          nullable.addAnyOfItem(new Schema<>().$ref(property.get$ref()));
          nullable.addAnyOfItem(
              new Schema<>().types(new java.util.LinkedHashSet<>(java.util.List.of("null"))));
          nullable.setDescription(property.getDescription());
          e.setValue(nullable);
          continue;
        }
        java.util.Set<String> types = property.getTypes();
        if (types == null && property.getType() != null) {
          types = new java.util.LinkedHashSet<>(java.util.List.of(property.getType()));
        }
        if (types != null && !types.contains("null")) {
          java.util.Set<String> withNull = new java.util.LinkedHashSet<>(types);
          withNull.add("null");
          property.setTypes(withNull);
          property.setNullable(null);
        }
      }
      optionalMayBeNull(property);
    }
  }
}
