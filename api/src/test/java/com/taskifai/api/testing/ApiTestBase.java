package com.taskifai.api.testing;

import com.taskifai.api.AdminApiApplication;
import com.taskifai.api.auth.AdminTokens;
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

  protected static ApiTestPlatform platform() {
    return ApiTestPlatform.get();
  }
}
