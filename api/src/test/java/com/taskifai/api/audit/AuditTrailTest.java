package com.taskifai.api.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.AuditLog;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The audit trail through the API, and that the platform's role cannot rewrite it. */
class AuditTrailTest extends ApiTestBase {
  @Autowired AuditLog audit;

  @Test
  void thePlatformRoleCannotChangeOrDeleteAuditRows() {
    UUID tenant = UUID.randomUUID();
    long id =
        audit.append(tenant, "ops@taskifai.test", "tenant.suspend", null, "accepted", Map.of());
    JdbcClient asPlatform = JdbcClient.create(platform().db.platform());
    assertThatThrownBy(
            () ->
                asPlatform
                    .sql("UPDATE audit_log SET actor = 'someone-else' WHERE id = :id")
                    .param("id", id)
                    .update())
        .rootCause()
        .hasMessageContaining("permission denied");
    assertThatThrownBy(
            () -> asPlatform.sql("DELETE FROM audit_log WHERE id = :id").param("id", id).update())
        .rootCause()
        .hasMessageContaining("permission denied");
    assertThat(
            http.get("/admin/audit?tenant=" + tenant, freshToken())
                .json()
                .get("entries")
                .get(0)
                .get("actor")
                .asString())
        .isEqualTo("ops@taskifai.test");
  }

  @Test
  void filtersByTimeWindow() {
    UUID tenant = UUID.randomUUID();
    audit.append(tenant, "ops@taskifai.test", "tenant.create", null, "accepted", Map.of());
    String token = freshToken();
    assertThat(
            http.get("/admin/audit?tenant=" + tenant + "&from=2000-01-01T00:00:00Z", token)
                .json()
                .get("entries")
                .size())
        .isEqualTo(1);
    assertThat(
            http.get("/admin/audit?tenant=" + tenant + "&to=2000-01-01T00:00:00Z", token)
                .json()
                .get("entries")
                .size())
        .isZero();
    assertThat(http.get("/admin/audit?limit=0", token).status()).isEqualTo(400);
    assertThat(http.get("/admin/audit?tenant=nope", token).status()).isEqualTo(400);
  }
}
