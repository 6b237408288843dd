package com.taskifai.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.jackson.TypeNameResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springdoc.core.customizers.OpenApiCustomizer;
import tools.jackson.databind.PropertyNamingStrategy;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes an app's OpenAPI document name the members of its request and response bodies as the app
 * reads and writes them.
 *
 * <p>The apps serialize with Jackson 3 ({@code spring.jackson.property-naming-strategy=SNAKE_CASE}
 * in each app's properties), while springdoc resolves models with swagger-core's own Jackson 2
 * mapper, which knows nothing of that setting and would document {@code createdAt} where the app
 * writes {@code created_at}. The resolver made here introspects with a copy of swagger-core's
 * mapper whose naming strategy asks the app's own mapper for each name, so the two cannot drift.
 * springdoc registers a {@link ModelResolver} bean in place of its default one.
 *
 * <p>Each schema is named after its class; a nested class (the apps declare most bodies as records
 * inside their controller) is named after its enclosing classes too ({@code
 * MigrationController.Accepted} is {@code MigrationControllerAccepted}), since the simple names
 * repeat ({@code Accepted}, {@code Started}, {@code Entry}) and schemas that share a name overwrite
 * each other: the document then describes one operation's answer with another's.
 */
public final class OpenApiModels {
  private OpenApiModels() {}

  /**
   * The model resolver for an app whose bodies {@code appMapper} reads and writes; {@code
   * openapi31} as springdoc's {@code SpringDocConfigProperties.isOpenapi31()}.
   */
  public static ModelResolver modelResolver(JsonMapper appMapper, boolean openapi31) {
    ObjectMapper introspection = (openapi31 ? Json31.mapper() : Json.mapper()).copy();
    PropertyNamingStrategy naming = appMapper.serializationConfig().getPropertyNamingStrategy();
    if (naming != null) {
      introspection.setPropertyNamingStrategy(new AsTheApp(naming));
    }
    return new ModelResolver(introspection, new QualifiedNames()).openapi31(openapi31);
  }

  /**
   * Declares {@code additionalProperties: false} on every object schema that only answers use, so
   * an answer with a member the document does not name breaks the document's schema (and the
   * fuzzer's schema check finds it). Schemas that a request body or parameter uses stay open: the
   * apps ignore unknown members of a request. Free-form objects (maps) and schemas that say
   * something about extra members already (the problem detail) are left as they are.
   */
  public static OpenApiCustomizer closedAnswers() {
    return openApi -> {
      if (openApi.getPaths() == null
          || openApi.getComponents() == null
          || openApi.getComponents().getSchemas() == null) {
        return;
      }
      Set<String> requested = new HashSet<>();
      Set<String> answered = new HashSet<>();
      for (var item : openApi.getPaths().values()) {
        for (Operation op : item.readOperations()) {
          if (op.getRequestBody() != null) {
            reachFrom(openApi, op.getRequestBody().getContent(), requested);
          }
          if (op.getParameters() != null) {
            for (Parameter parameter : op.getParameters()) {
              reach(openApi, parameter.getSchema(), requested);
            }
          }
          if (op.getResponses() != null) {
            for (ApiResponse response : op.getResponses().values()) {
              reachFrom(openApi, response.getContent(), answered);
            }
          }
        }
      }
      answered.removeAll(requested);
      for (String name : answered) {
        Schema<?> schema = openApi.getComponents().getSchemas().get(name);
        if (schema.getProperties() != null
            && !schema.getProperties().isEmpty()
            && schema.getAdditionalProperties() == null) {
          schema.setAdditionalProperties(Boolean.FALSE);
        }
      }
    };
  }

  private static void reachFrom(OpenAPI openApi, Content content, Set<String> names) {
    if (content != null) {
      content.values().forEach(media -> reach(openApi, media.getSchema(), names));
    }
  }

  /** Adds the names of the component schemas that {@code schema} uses, directly or not. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void reach(OpenAPI openApi, Schema<?> schema, Set<String> names) {
    if (schema == null) {
      return;
    }
    if (schema.get$ref() != null) {
      String name = schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1);
      Schema<?> target = openApi.getComponents().getSchemas().get(name);
      if (names.add(name) && target != null) {
        reach(openApi, target, names);
      }
      return;
    }
    reach(openApi, schema.getItems(), names);
    if (schema.getAdditionalProperties() instanceof Schema extra) {
      reach(openApi, extra, names);
    }
    if (schema.getProperties() != null) {
      for (Schema property : schema.getProperties().values()) {
        reach(openApi, property, names);
      }
    }
    for (List<Schema> parts :
        new List[] {schema.getAllOf(), schema.getAnyOf(), schema.getOneOf()}) {
      if (parts != null) {
        parts.forEach(part -> reach(openApi, part, names));
      }
    }
  }

  /** Schema names: the simple name, after those of the enclosing classes for a nested class. */
  private static final class QualifiedNames extends TypeNameResolver {
    @Override
    protected String getNameOfClass(Class<?> type) {
      String name = super.getNameOfClass(type);
      if (getUseFqn()) {
        return name;
      }
      for (Class<?> outer = type.getEnclosingClass();
          outer != null;
          outer = outer.getEnclosingClass()) {
        name = outer.getSimpleName() + name;
      }
      return name;
    }
  }

  /**
   * A Jackson 2 naming strategy that names each property as the app's Jackson 3 strategy does. The
   * built-in strategies (snake case and the others) translate the default name alone and read
   * neither the configuration nor the member, hence the nulls.
   */
  private static final class AsTheApp
      extends com.fasterxml.jackson.databind.PropertyNamingStrategies.NamingBase {
    private static final long serialVersionUID = 1L;
    private final transient PropertyNamingStrategy app;

    AsTheApp(PropertyNamingStrategy app) {
      this.app = app;
    }

    @Override
    public String translate(String name) {
      return app.nameForField(null, null, name);
    }
  }
}
