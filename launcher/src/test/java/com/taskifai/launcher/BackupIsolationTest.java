package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.launcher.bench.VerificationLink;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups and restores touch only their own tenant: on the dev platform (admin API, worker and the
 * real router in one JVM), a loop of requests to tenant B through the router answers 200 every time
 * while tenant A is backed up and then restored in replace mode (a new database swapped in) through
 * the admin API.
 */
class BackupIsolationTest extends PlatformHttpTest {
  BackupIsolationTest() {
    super(Duration.ofSeconds(120), Duration.ofSeconds(90));
  }

  @Test
  void anotherTenantAnswers200ThroughoutABackupAndAReplaceRestore(@TempDir Path home)
      throws Exception {
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put("TASKIFAI_BACKUP_DIR", home.resolve("backups").toString());
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = DevPlatformTest.devFile(home);
      String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
      String routerPort = env.get("TASKIFAI_ROUTER_PORT");
      String router = "http://localhost:" + routerPort;
      String adminToken = adminLogin(dev);

      String tenantA = activeTenant(admin, adminToken, "isoa");
      activeTenant(admin, adminToken, "isob");
      String hostB = "isob.localhost:" + routerPort;
      String setPassword =
          awaitLink(admin, adminToken, "boss@isob.test", "/set-password\\?token=[A-Za-z0-9._~-]+");
      assertThat(
              post(
                      router + "/api/auth/set-password",
                      null,
                      Map.of(
                          "token",
                          setPassword.substring(setPassword.indexOf("token=") + 6),
                          "password",
                          "correct horse battery"),
                      hostB)
                  .statusCode())
          .isEqualTo(200);
      String tokenB =
          json(post(
                  router + "/api/auth/login",
                  null,
                  Map.of("email", "boss@isob.test", "password", "correct horse battery"),
                  hostB))
              .get("access_token")
              .asText();

      // Tenant B's traffic, in the background, for as long as A is backed up and restored.
      List<String> failures = new CopyOnWriteArrayList<>();
      List<Long> answered = new CopyOnWriteArrayList<>();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread traffic =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    HttpResponse<String> r = get(router + "/api/products", tokenB, hostB);
                    answered.add(System.nanoTime());
                    if (r.statusCode() != 200) {
                      failures.add(r.statusCode() + " " + r.body());
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                }
              },
              "tenant-b-traffic");
      traffic.start();
      try {
        long before = answered.size();
        String backupId = backUp(admin, adminToken, tenantA);
        long duringBackup = answered.size() - before;

        before = answered.size();
        HttpResponse<String> restore =
            post(
                admin + "/admin/tenants/" + tenantA + "/backups/" + backupId + "/restore",
                adminToken,
                Map.of("mode", "replace", "confirm_subdomain", "isoa"),
                null);
        assertThat(restore.statusCode()).isEqualTo(202);
        String workflowId = json(restore).get("workflow_id").asText();
        awaitResponse(
            admin + "/admin/tenants/" + tenantA + "/backups/restores/" + workflowId,
            adminToken,
            null,
            r -> "grace_period".equals(JSON.readTree(r.body()).path("step").asText()));
        long duringRestore = answered.size() - before;

        assertThat(duringBackup).as("requests to B during A's backup").isPositive();
        assertThat(duringRestore).as("requests to B during A's restore").isPositive();
      } finally {
        running.set(false);
        traffic.join(30_000);
      }
      assertThat(failures).as("tenant B's non-200 answers").isEmpty();
      assertThat(answered).hasSizeGreaterThan(5);
    }
  }

  /** Creates a tenant through the admin API, confirms its e-mail and waits until it is ACTIVE. */
  private String activeTenant(String admin, String token, String subdomain) throws Exception {
    HttpResponse<String> created =
        post(
            admin + "/admin/tenants",
            token,
            Map.of(
                "company_name",
                subdomain + " Inc",
                "subdomain",
                subdomain,
                "admin_email",
                "boss@" + subdomain + ".test"),
            null);
    assertThat(created.statusCode()).isEqualTo(202);
    String tenantId = json(created).get("tenant_id").asText();
    String verify =
        awaitLink(
            admin, token, "boss@" + subdomain + ".test", "/verify-email\\?token=[A-Za-z0-9._~-]+");
    assertThat(VerificationLink.confirm(http, verify).statusCode()).isEqualTo(200);
    awaitResponse(
        admin + "/admin/tenants/" + tenantId,
        token,
        null,
        r -> "ACTIVE".equals(JSON.readTree(r.body()).path("status").asText()));
    return tenantId;
  }
}
