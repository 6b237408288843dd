package com.taskifai.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Json31;
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
    return new ModelResolver(introspection).openapi31(openapi31);
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
