package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.testing.TestPostgres;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The move and drain API: fresh MFA, confirmation, 422 for an unknown, non-OPEN or same target, 409
 * naming the operation that holds the tenant, the workflow id, audit; draining sets the server
 * DRAINING and refuses unknown and CLOSED servers.
 */
class MoveApiTest extends ApiTestBase {
  @Autowired VerificationTokens verificationTokens;
  @Autowired CredentialCipher cipher;
  private String token;
  private TenantOperations operations;
  private DatabaseServers servers;

  @BeforeEach
  void setUp() {
    token = freshToken();
    operations = new TenantOperations(platform().db.platform());
    servers = new DatabaseServers(platform().db.platform());
    for (String s : List.of("mva", "mvb", "mvc", "mvd", "mve")) {
      servers.upsert(
          cipher,
          s,
          "local",
          TestPostgres.jdbcUrl("postgres"),
          "postgres",
          TestPostgres.superuserPassword(),
          100);
    }
    state("mvc", "DRAINING");
  }

  private void state(String server, String state) {
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE database_servers SET state = :s WHERE id = :id")
        .param("s", state)
        .param("id", server)
        .update();
  }

  private String activeTenantOn(String subdomain, String server) {
    String id = activeTenant("Acme", subdomain, "m@acme.com", token);
    JdbcClient.create(platform().db.owner())
        .sql(
            "UPDATE tenants SET database_name = 'tenant_x', database_server_id = :s"
                + " WHERE tenant_id = :id::uuid")
        .param("s", server)
        .param("id", id)
        .update();
    return id;
  }

  @Test
  void aMoveNeedsAnOpenOtherTargetAnIdleTenantAndFreshMfa() {
    String sub = "mv-" + UUID.randomUUID().toString().substring(0, 8);
    String id = activeTenantOn(sub, "mva");
    String path = "/admin/tenants/" + id + "/move";

    Answer where = http.get(path, token);
    assertThat(where.status()).isEqualTo(200);
    assertThat(where.text("server_id")).isEqualTo("mva");
    assertThat(where.body()).contains("\"mvb\"").doesNotContain("\"mvc\"");

    Answer wrongConfirm =
        http.post(path, AdminHttp.json("target_server", "mvb", "confirm_subdomain", "x"), token);
    assertThat(wrongConfirm.status()).isEqualTo(400);
    for (String bad : List.of("nope", "mvc", "mva")) {
      Answer refused =
          http.post(path, AdminHttp.json("target_server", bad, "confirm_subdomain", sub), token);
      assertThat(refused.status()).as(bad).isEqualTo(422);
      assertThat(refused.text("message")).contains(bad);
    }

    // Another operation holds the tenant: 409 naming it, nothing started.
    assertThat(operations.claim(UUID.fromString(id), "BACKING_UP", "backup:held")).isEmpty();
    Answer busy =
        http.post(path, AdminHttp.json("target_server", "mvb", "confirm_subdomain", sub), token);
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.body()).contains("BACKING_UP").contains("backup:held");
    operations.release(UUID.fromString(id), "backup:held");

    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            List.of("pwd"),
            Instant.now(),
            Instant.now(),
            600);
    assertThat(
            http.post(path, AdminHttp.json("target_server", "mvb", "confirm_subdomain", sub), stale)
                .status())
        .isEqualTo(403);

    Answer ok =
        http.post(path, AdminHttp.json("target_server", "mvb", "confirm_subdomain", sub), token);
    assertThat(ok.status()).isEqualTo(202);
    assertThat(ok.text("workflow_id")).isEqualTo("tenant-move-" + id + "-mvb");
    assertThat(ok.text("source_server")).isEqualTo("mva");
    // The same move again: 409, it runs already.
    Answer again =
        http.post(path, AdminHttp.json("target_server", "mvb", "confirm_subdomain", sub), token);
    assertThat(again.status()).isEqualTo(409);
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.move")
        .contains("tenant-move-" + id + "-mvb");
    assertThat(http.get(path + "/tenant-restore-" + id + "-x", token).status()).isEqualTo(404);
  }

  @Test
  void cancellingAMoveNeedsFreshMfaAndARunningMoveAndRefusesOneThatHasSwapped() {
    String sub = "mvx-" + UUID.randomUUID().toString().substring(0, 8);
    String id = activeTenantOn(sub, "mva");
    UUID tenant = UUID.fromString(id);
    String cancel = "/admin/tenants/" + id + "/move/cancel";
    Answer none = http.post(cancel, null, token);
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.text("message")).contains("no move of tenant " + id + " is running");

    // The move's claim without its workflow: nothing to cancel in Temporal either.
    assertThat(operations.claim(tenant, "MOVING", "move:mvb:0123abcd")).isEmpty();
    String workflowId = "tenant-move-" + id + "-mvb";
    assertThat(http.post(cancel, null, token).status()).isEqualTo(404);
    // A move's workflow on a queue no worker polls, so it stays running.
    io.temporal.client.WorkflowStub move =
        platform()
            .client
            .newUntypedWorkflowStub(
                "MoveTenantWorkflow",
                io.temporal.client.WorkflowOptions.newBuilder()
                    .setWorkflowId(workflowId)
                    .setTaskQueue("move-api-test-unpolled")
                    .build());
    move.start();
    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            List.of("pwd"),
            Instant.now(),
            Instant.now(),
            600);
    assertThat(http.post(cancel, null, stale).status()).isEqualTo(403);

    Answer cancelled = http.post(cancel, null, token);
    assertThat(cancelled.status()).isEqualTo(202);
    assertThat(cancelled.text("workflow_id")).isEqualTo(workflowId);
    assertThat(platform().client.fetchHistory(workflowId).getEvents())
        .anyMatch(
            e ->
                e.getEventType()
                    == io.temporal.api.enums.v1.EventType
                        .EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.move_cancel");

    // Swapped already (the registry names the target): too late to cancel.
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET database_server_id = 'mvb' WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();
    Answer late = http.post(cancel, null, token);
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.text("message")).contains("swapped").contains("move it back");
    operations.release(tenant, "move:mvb:0123abcd");
    move.terminate("test done");
  }

  @Test
  void drainingSetsTheServerDrainingAndRefusesUnknownAndClosedServers() {
    assertThat(http.post("/admin/servers/nosuch/drain", null, token).status()).isEqualTo(404);
    state("mve", "CLOSED");
    assertThat(http.post("/admin/servers/mve/drain", null, token).status()).isEqualTo(409);
    Answer started = http.post("/admin/servers/mvd/drain", null, token);
    assertThat(started.status()).isEqualTo(202);
    assertThat(started.text("workflow_id")).isEqualTo("server-drain-mvd");
    assertThat(servers.find("mvd").orElseThrow().state()).isEqualTo("DRAINING");
    // A second start finds the drain running.
    Answer again = http.post("/admin/servers/mvd/drain", null, token);
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.body()).contains("\"already_running\":true");
    String stale =
        tokens.issue(
            UUID.randomUUID(),
            "ops@taskifai.test",
            List.of("pwd"),
            Instant.now(),
            Instant.now(),
            600);
    assertThat(http.post("/admin/servers/mvd/drain", null, stale).status()).isEqualTo(403);
  }
}
