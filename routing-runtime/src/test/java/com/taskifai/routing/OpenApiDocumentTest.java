package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.web.testing.OpenApiCoverage;
import io.swagger.v3.oas.models.OpenAPI;
import org.junit.jupiter.api.Test;
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

    OpenAPI openApi = OpenApiCoverage.valid(docs.body());

    RequestMappingHandlerMapping mapping =
        app.context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
    assertThat(OpenApiCoverage.assertEveryEndpointDocumented(mapping, openApi)).isGreaterThan(10);
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
