package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.web.testing.OpenApiCoverage;
import io.swagger.v3.oas.models.OpenAPI;
import java.util.Map;
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
  void realAnswersAndRequestsUseOnlyTheMemberNamesTheDocumentDeclares() {
    RouterApp app = SharedRouter.app();
    OpenAPI openApi = OpenApiCoverage.valid(app.get("localhost", "/v3/api-docs", null).body());
    TenantFixture.TestTenant tenant =
        SharedRouter.fixture().create(TenantFixture.subdomain("names"));
    String host = tenant.subdomain() + ".localhost";
    String token = app.signInAdmin(tenant);

    Map<String, String> product = Map.of("sku", "N-1", "name", "Named", "ean", "12345678");
    OpenApiCoverage.assertRequestDocumented(
        openApi, "POST", "/api/products", RouterApp.JSON.valueToTree(product));
    RouterApp.Response created = app.post(host, "/api/products", token, product);
    answerIsDocumented(openApi, "POST", "/api/products", created);
    String id = created.json().get("id").asString();

    for (String path :
        new String[] {"/api/products", "/api/products/" + id, "/api/orders", "/api/me"}) {
      answerIsDocumented(openApi, "GET", path, app.get(host, path, token));
    }

    Map<String, String> login =
        Map.of(
            "email",
            tenant.adminEmail(),
            "password",
            "correct horse battery " + tenant.subdomain());
    OpenApiCoverage.assertRequestDocumented(
        openApi, "POST", "/api/auth/login", RouterApp.JSON.valueToTree(login));
    answerIsDocumented(
        openApi, "POST", "/api/auth/login", app.post(host, "/api/auth/login", null, login));
  }

  private static void answerIsDocumented(
      OpenAPI openApi, String method, String path, RouterApp.Response answer) {
    assertThat(answer.status()).as(method + " " + path + ": " + answer.body()).isLessThan(300);
    OpenApiCoverage.assertAnswerDocumented(openApi, method, path, answer.status(), answer.json());
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
