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

/** Declares the problem-detail error body in an app's OpenAPI document, for every operation. */
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
                                        .content(content));
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

  static Schema<?> schema() {
    ObjectSchema fieldError = new ObjectSchema();
    fieldError.addProperty("field", new StringSchema());
    fieldError.addProperty("message", new StringSchema());
    ObjectSchema problem = new ObjectSchema();
    problem.description("An RFC 9457 problem detail; extra members depend on the code.");
    problem.addProperty("type", new StringSchema().format("uri"));
    problem.addProperty("title", new StringSchema());
    problem.addProperty("status", new IntegerSchema());
    problem.addProperty("detail", new StringSchema().description("what went wrong and what to do"));
    problem.addProperty("instance", new StringSchema().format("uri"));
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
}
