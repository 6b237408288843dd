package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.launcher.bench.VerificationLink;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain on the dev platform: an admin suspends a tenant through the admin API (a Temporal
 * workflow writes the registry, the trigger notifies the router) and the tenant's own API stops
 * answering; reactivating brings it back.
 */
class SuspensionRoutingTest extends PlatformHttpTest {

  @Test
  void suspendingThroughTheAdminApiStopsRoutingAndReactivatingRestoresIt(@TempDir Path home)
      throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = DevPlatformTest.devFile(home);
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String routerPort = env.get("TASKIFAI_ROUTER_PORT");
      String adminToken = adminLogin(dev);

      HttpResponse<String> created =
          post(
              admin + "/admin/tenants",
              adminToken,
              Map.of(
                  "company_name",
                  "Routed Inc",
                  "subdomain",
                  "routed",
                  "admin_email",
                  "boss@routed.test"),
              null);
      assertThat(created.statusCode()).isEqualTo(202);
      String tenantId = json(created).get("tenant_id").asText();
      String verify = awaitLink(admin, adminToken, "/verify-email\\?token=[A-Za-z0-9._~-]+");
      assertThat(VerificationLink.confirm(http, verify).statusCode()).isEqualTo(200);
      awaitStatus(admin, adminToken, tenantId, "ACTIVE");

      String setPassword = awaitLink(admin, adminToken, "/set-password\\?token=[A-Za-z0-9._~-]+");
      String host = "routed.localhost:" + routerPort;
      String router = "http://localhost:" + routerPort;
      String token = setPassword.substring(setPassword.indexOf("token=") + 6);
      assertThat(
              post(
                      router + "/api/auth/set-password",
                      null,
                      Map.of("token", token, "password", "correct horse battery"),
                      host)
                  .statusCode())
          .isEqualTo(200);
      String userToken =
          json(post(
                  router + "/api/auth/login",
                  null,
                  Map.of("email", "boss@routed.test", "password", "correct horse battery"),
                  host))
              .get("access_token")
              .asText();
      assertThat(get(router + "/api/products", userToken, host).statusCode()).isEqualTo(200);

      assertThat(
              post(admin + "/admin/tenants/" + tenantId + "/suspend", adminToken, Map.of(), null)
                  .statusCode())
          .isEqualTo(202);
      awaitResponse(router + "/api/products", userToken, host, r -> r.statusCode() == 403);

      assertThat(
              post(admin + "/admin/tenants/" + tenantId + "/reactivate", adminToken, Map.of(), null)
                  .statusCode())
          .isEqualTo(202);
      awaitResponse(router + "/api/products", userToken, host, r -> r.statusCode() == 200);
    }
  }

  private void awaitStatus(String admin, String token, String tenantId, String status)
      throws Exception {
    awaitResponse(
        admin + "/admin/tenants/" + tenantId,
        token,
        null,
        r -> status.equals(JSON.readTree(r.body()).path("status").asText()));
  }
}
