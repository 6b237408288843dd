package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Fault injection when the platform allows it: a known step is passed on, others refused. */
@TestPropertySource(properties = "taskifai.fault-injection=true")
class FaultInjectionTest extends ApiTestBase {

  private Answer create(String subdomain, String step) {
    return http.post(
        "/admin/tenants",
        AdminHttp.json(
            "company_name",
            "Faulty",
            "subdomain",
            subdomain,
            "admin_email",
            "f@faulty.com",
            "inject_fault",
            step),
        freshToken());
  }

  @Test
  void refusesAnUnknownStepNamingTheKnownOnes() {
    Answer a = create("fault-" + UUID.randomUUID().toString().substring(0, 8), "break_everything");
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.json().get("fields").get("inject_fault").asString())
        .contains("'break_everything' is not a step")
        .contains("configure_dns");
  }

  @Test
  void takesAStepWithBeforeOrAfterAndRefusesAnyOtherSuffix() {
    String sub = "fault-" + UUID.randomUUID().toString().substring(0, 8);
    Answer sideways = create(sub, "configure_dns:sideways");
    assertThat(sideways.status()).isEqualTo(400);
    assertThat(sideways.json().get("fields").get("inject_fault").asString())
        .contains("':before', ':after' or ':stall'");

    Answer after = create(sub, "configure_dns:after");
    assertThat(after.status()).isEqualTo(202);
    String id = after.text("tenant_id");
    String token = freshToken();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> "FAILED".equals(http.get("/admin/tenants/" + id, token).text("status")));
  }

  @Test
  void passesAKnownStepToTheWorkflowWhichFailsTheTenant() {
    String sub = "fault-" + UUID.randomUUID().toString().substring(0, 8);
    Answer a = create(sub, "configure_dns");
    assertThat(a.status()).isEqualTo(202);
    String id = a.text("tenant_id");
    String token = freshToken();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> "FAILED".equals(http.get("/admin/tenants/" + id, token).text("status")));
    var steps = http.get("/admin/tenants/" + id, token).json().get("steps");
    assertThat(steps.toString()).contains("\"configure_dns\"");
    assertThat(steps.get(4).get("state").asString()).isEqualTo("failed");
    assertThat(steps.get(0).get("state").asString()).isEqualTo("compensated");
    // The subdomain is free again after the rollback.
    assertThat(create(sub, "migrate_schema").status()).isEqualTo(202);
  }
}
