package com.taskifai.api.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.auth.AdminTokens;
import com.taskifai.registry.crypto.VerificationTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The admin API on a random port against the shared test platform, spoken to over real HTTP. */
@SpringBootTest(
    classes = AdminApiApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"taskifai.recover-workflows=false", "management.server.port=0"})
public abstract class ApiTestBase {
  @LocalServerPort protected int port;
  @LocalManagementPort protected int managementPort;
  @Autowired protected AdminTokens tokens;
  @Autowired private VerificationTokens verificationLinks;
  protected AdminHttp http;

  /** The management port: metrics and the actuator's other endpoints. */
  protected AdminHttp management;

  @DynamicPropertySource
  static void platform(DynamicPropertyRegistry props) {
    ApiTestPlatform.get().register(props);
    // The tests sign in many times from one address; LoginAbuseTest tests the limit itself.
    props.add("taskifai.admin-login.rate.per-address", () -> "100000");
  }

  @BeforeEach
  void client() {
    http = new AdminHttp(port);
    management = new AdminHttp(managementPort);
  }

  /** A token as a login with password and a one-time code just now would give. */
  protected String freshToken() {
    Instant now = Instant.now();
    return tokens.issue(
        UUID.randomUUID(), "ops@taskifai.test", List.of("pwd", "otp"), now, now, 600);
  }

  /** A token whose login (password and one-time code) was an hour ago: too old for changes. */
  protected String staleMfaToken() {
    Instant now = Instant.now();
    return tokens.issue(
        UUID.randomUUID(),
        "ops@taskifai.test",
        List.of("pwd", "otp"),
        now.minus(Duration.ofHours(1)),
        now,
        600);
  }

  /**
   * A tenant created through the API and verified through its link (the link's GET shows the page,
   * its form's POST verifies), once it is ACTIVE; its id.
   */
  protected String activeTenant(
      String companyName, String subdomain, String adminEmail, String token) {
    String id =
        http.post(
                "/admin/tenants",
                AdminHttp.json(
                    "company_name", companyName, "subdomain", subdomain, "admin_email", adminEmail),
                token)
            .text("tenant_id");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                "AWAITING_VERIFICATION"
                    .equals(http.get("/admin/tenants/" + id, token).text("status")));
    String link = verificationLinks.issue(UUID.fromString(id), Instant.now().plusSeconds(600));
    assertThat(http.get("/verify-email?token=" + link, null).status()).isEqualTo(200);
    assertThat(http.verifyEmail(link).status()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> "ACTIVE".equals(http.get("/admin/tenants/" + id, token).text("status")));
    return id;
  }

  /**
   * Removes database servers a test registered, with the tenants placed on them. A server whose
   * PostgreSQL the test has stopped would otherwise cost every later reconciler scan of the shared
   * platform database a connection timeout.
   */
  protected static void forgetServers(String... serverIds) {
    var jdbc = org.springframework.jdbc.core.simple.JdbcClient.create(platform().db.owner());
    for (String id : serverIds) {
      jdbc.sql("DELETE FROM tenants WHERE database_server_id = ?").param(id).update();
      jdbc.sql("DELETE FROM database_servers WHERE id = ?").param(id).update();
    }
  }

  protected static ApiTestPlatform platform() {
    return ApiTestPlatform.get();
  }
}
