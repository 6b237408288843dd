package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.web.testing.OpenApiCoverage;
import io.swagger.v3.oas.models.OpenAPI;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/**
 * The admin API's OpenAPI document: open without a token, valid OpenAPI 3, lists every mapped
 * endpoint with the problem-detail errors; Swagger UI is off outside dev; errors are problem
 * details that keep the members older clients read.
 */
class OpenApiDocumentTest extends ApiTestBase {
  @Autowired
  @Qualifier("requestMappingHandlerMapping")
  RequestMappingHandlerMapping mapping;

  @Autowired AdminAccounts accounts;

  @Test
  void theDocumentIsValidAndListsEveryMappedEndpoint() {
    AdminHttp.Answer docs = http.get("/v3/api-docs", null);
    assertThat(docs.status()).isEqualTo(200);

    OpenAPI openApi = OpenApiCoverage.valid(docs.body());

    assertThat(OpenApiCoverage.assertEveryEndpointDocumented(mapping, openApi)).isGreaterThan(10);
  }

  @Test
  void realAnswersAndRequestsUseOnlyTheMemberNamesTheDocumentDeclares() {
    OpenAPI openApi = OpenApiCoverage.valid(http.get("/v3/api-docs", null).body());
    String token = freshToken();

    String create =
        AdminHttp.json(
            "company_name", "Names", "subdomain", "openapi-names", "admin_email", "n@names.test");
    OpenApiCoverage.assertRequestDocumented(
        openApi, "POST", "/admin/tenants", new AdminHttp.Answer(200, create).json());
    AdminHttp.Answer created = http.post("/admin/tenants", create, token);
    answerIsDocumented(openApi, "POST", "/admin/tenants", created);
    String id = created.text("tenant_id");

    for (String path :
        new String[] {
          "/admin/tenants/" + id,
          "/admin/tenants?search=openapi-names",
          "/admin/tenants/" + id + "/backups",
          "/admin/tenants/" + id + "/workflows"
        }) {
      answerIsDocumented(openApi, "GET", path, http.get(path, token));
    }

    String secret = TotpCodes.newSecret();
    accounts.createOrUpdate("names@taskifai.test", "correct horse battery", secret);
    String login =
        AdminHttp.json(
            "email",
            "names@taskifai.test",
            "password",
            "correct horse battery",
            "totp",
            TotpCodes.code(secret, TotpCodes.stepAt(Instant.now())));
    OpenApiCoverage.assertRequestDocumented(
        openApi, "POST", "/admin/login", new AdminHttp.Answer(200, login).json());
    answerIsDocumented(openApi, "POST", "/admin/login", http.post("/admin/login", login, null));
  }

  private static void answerIsDocumented(
      OpenAPI openApi, String method, String path, AdminHttp.Answer answer) {
    assertThat(answer.status()).as(method + " " + path + ": " + answer.body()).isLessThan(300);
    OpenApiCoverage.assertAnswerDocumented(openApi, method, path, answer.status(), answer.json());
  }

  @Test
  void swaggerUiIsOnlyServedInDev() {
    assertThat(http.get("/swagger-ui/index.html", null).status()).isEqualTo(404);
  }

  @Test
  void errorsAreProblemDetailsThatKeepTheOldMembers() {
    AdminHttp.Answer unauthorized = http.get("/admin/tenants", null);
    assertThat(unauthorized.status()).isEqualTo(401);
    JsonNode body = unauthorized.json();
    assertThat(body.get("status").asInt()).isEqualTo(401);
    assertThat(body.get("code").asString()).isEqualTo("unauthorized");
    assertThat(body.get("error").asString()).isEqualTo("unauthorized");
    assertThat(body.get("detail").asString()).contains("bearer token");
    assertThat(body.get("message").asString()).isEqualTo(body.get("detail").asString());

    AdminHttp.Answer invalid =
        http.post(
            "/admin/tenants",
            AdminHttp.json("company_name", " ", "subdomain", "Bad_Name", "admin_email", "x"),
            freshToken());
    assertThat(invalid.status()).isEqualTo(400);
    JsonNode problem = invalid.json();
    assertThat(problem.get("code").asString()).isEqualTo(problem.get("error").asString());
    assertThat(problem.get("fields").get("subdomain").asString()).contains("lower-case");
    boolean listed = false;
    for (JsonNode e : problem.get("errors")) {
      listed |= e.get("field").asString().equals("subdomain");
      assertThat(e.get("message").asString()).isNotBlank();
    }
    assertThat(listed).isTrue();
    assertThat(problem.get("errors")).hasSize(problem.get("fields").size());
  }
}
