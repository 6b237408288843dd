package com.taskifai.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverterContextImpl;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

class OpenApiModelsTest {
  record TenantRow(String tenantId, Instant createdAt, String name) {}

  @Test
  void documentsMembersUnderTheNamesTheAppsMapperWrites() {
    JsonMapper snake =
        JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    ModelConverterContextImpl context =
        new ModelConverterContextImpl(OpenApiModels.modelResolver(snake, true));

    context.resolve(new AnnotatedType(TenantRow.class));

    Schema<?> row = context.getDefinedModels().get("OpenApiModelsTestTenantRow");
    assertThat(row.getProperties()).containsOnlyKeys("tenant_id", "created_at", "name");
    assertThat(snake.valueToTree(new TenantRow("t", Instant.EPOCH, "n")).propertyNames())
        .containsExactlyInAnyOrderElementsOf(row.getProperties().keySet());
  }

  @Test
  void aMapperWithoutANamingStrategyKeepsTheJavaNames() {
    ModelConverterContextImpl context =
        new ModelConverterContextImpl(
            OpenApiModels.modelResolver(JsonMapper.builder().build(), true));

    context.resolve(new AnnotatedType(TenantRow.class));

    assertThat(context.getDefinedModels().get("OpenApiModelsTestTenantRow").getProperties())
        .containsOnlyKeys("tenantId", "createdAt", "name");
  }

  static final class FailedLogins {
    record Entry(String clientAddress) {}
  }

  static final class Orphans {
    record Entry(String kind) {}
  }

  @Test
  void nestedBodiesThatShareASimpleNameGetSchemasOfTheirOwn() {
    ModelConverterContextImpl context =
        new ModelConverterContextImpl(
            OpenApiModels.modelResolver(JsonMapper.builder().build(), true));

    context.resolve(new AnnotatedType(FailedLogins.Entry.class));
    context.resolve(new AnnotatedType(Orphans.Entry.class));

    assertThat(context.getDefinedModels().get("OpenApiModelsTestFailedLoginsEntry").getProperties())
        .containsOnlyKeys("clientAddress");
    assertThat(context.getDefinedModels().get("OpenApiModelsTestOrphansEntry").getProperties())
        .containsOnlyKeys("kind");
  }

  @Test
  void closesOnlyTheSchemasThatAnswersAloneUse() {
    OpenAPI openApi = new OpenAPI().components(new Components()).paths(new Paths());
    openApi.getComponents().addSchemas("Shared", object("shared_member"));
    openApi
        .getComponents()
        .addSchemas("Input", object("input_member").addProperty("shared", ref("Shared")));
    openApi
        .getComponents()
        .addSchemas(
            "Answer",
            object("answer_member")
                .addProperty("shared", ref("Shared"))
                .addProperty("rows", new Schema<>().type("array").items(ref("Row"))));
    openApi.getComponents().addSchemas("Row", object("row_member"));
    openApi.getComponents().addSchemas("FreeForm", new ObjectSchema());
    Schema<?> open = object("code");
    open.setAdditionalProperties(Boolean.TRUE);
    openApi.getComponents().addSchemas("Open", open);
    openApi
        .getPaths()
        .addPathItem(
            "/things",
            new PathItem()
                .post(
                    new Operation()
                        .requestBody(new RequestBody().content(json(ref("Input"))))
                        .responses(
                            new ApiResponses()
                                .addApiResponse(
                                    "200", new ApiResponse().content(json(ref("Answer"))))
                                .addApiResponse(
                                    "201", new ApiResponse().content(json(ref("FreeForm"))))
                                .addApiResponse(
                                    "4XX", new ApiResponse().content(json(ref("Open")))))));

    OpenApiModels.closedAnswers().customise(openApi);

    var schemas = openApi.getComponents().getSchemas();
    assertThat(schemas.get("Answer").getAdditionalProperties()).isEqualTo(false);
    assertThat(schemas.get("Row").getAdditionalProperties()).isEqualTo(false);
    assertThat(schemas.get("Input").getAdditionalProperties()).isNull();
    assertThat(schemas.get("Shared").getAdditionalProperties()).isNull();
    assertThat(schemas.get("FreeForm").getAdditionalProperties()).isNull();
    assertThat(schemas.get("Open").getAdditionalProperties()).isEqualTo(true);
  }

  private static Schema<?> object(String member) {
    return new ObjectSchema().addProperty(member, new StringSchema());
  }

  private static Schema<?> ref(String name) {
    return new Schema<>().$ref("#/components/schemas/" + name);
  }

  private static Content json(Schema<?> schema) {
    return new Content().addMediaType("application/json", new MediaType().schema(schema));
  }
}
