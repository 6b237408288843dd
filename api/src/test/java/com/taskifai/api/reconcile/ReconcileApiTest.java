package com.taskifai.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import com.taskifai.workflows.reconcile.ReconcileSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The reconciler through the admin API, with the real fleet activities on the embedded server: a
 * database and role made by hand with tenant names are reported and can be removed with fresh MFA;
 * a live tenant's are neither; a tenant whose workflow is gone is reported.
 */
class ReconcileApiTest extends ApiTestBase {
  private static final String SERVER = "reconcile-1";
  private final DataSource server = TestPostgres.superuser("postgres");
  private final TenantRegistry registry = new TenantRegistry(platform().db.platform());
  private final List<String> cleanup = new ArrayList<>();
  @Autowired MeterRegistry meters;

  private UUID liveId;
  private TenantDatabaseNames live;
  private UUID ghostId;
  private TenantDatabaseNames ghost;
  private UUID stalledId;

  @BeforeEach
  void fleet() {
    new DatabaseServers(platform().db.platform())
        .upsert(
            new CredentialCipher(KeyRing.parse(platform().masterKeys)),
            SERVER,
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            100);
    liveId = UUID.randomUUID();
    live = TenantDatabaseNames.of(liveId);
    registry.reserve(
        new TenantRegistry.Reservation(liveId, sub("live"), "Live", "a@live.test", "local"));
    registry.assignDatabase(liveId, SERVER, live.database());
    registry.setStatus(liveId, TenantStatus.ACTIVE);
    ghostId = UUID.randomUUID();
    ghost = TenantDatabaseNames.of(ghostId);
    for (TenantDatabaseNames n : List.of(live, ghost)) {
      TestPostgres.execute(
          server,
          "CREATE ROLE " + n.ownerRole() + " NOLOGIN",
          "CREATE ROLE " + n.appRole() + " NOLOGIN",
          "CREATE DATABASE " + n.database() + " OWNER " + n.ownerRole(),
          "REVOKE ALL ON DATABASE " + n.database() + " FROM PUBLIC",
          "GRANT CONNECT ON DATABASE " + n.database() + " TO " + n.appRole());
      cleanup.add(n.database());
    }
    stalledId = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(stalledId, sub("lost"), "Lost", "a@lost.test", "local"));
  }

  @AfterEach
  void dropEverything() {
    for (String db : cleanup) {
      TestPostgres.execute(server, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
    for (TenantDatabaseNames n : List.of(live, ghost)) {
      TestPostgres.execute(
          server, "DROP ROLE IF EXISTS " + n.appRole(), "DROP ROLE IF EXISTS " + n.ownerRole());
    }
    registry.setStatus(liveId, TenantStatus.DELETED);
    registry.setStatus(stalledId, TenantStatus.FAILED);
  }

  private static String sub(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private String staleToken() {
    Instant long_ago = Instant.now().minus(Duration.ofHours(2));
    return tokens.issue(
        UUID.randomUUID(),
        "ops@taskifai.test",
        List.of("pwd", "otp"),
        long_ago,
        Instant.now(),
        600);
  }

  private JsonNode reconcileNow() {
    Answer started = http.post("/admin/reconcile", null, freshToken());
    assertThat(started.status()).isEqualTo(202);
    String workflowId = started.text("workflow_id");
    assertThat(workflowId).startsWith("platform-reconcile-");
    try {
      platform()
          .client
          .newUntypedWorkflowStub(workflowId)
          .getResult(30, java.util.concurrent.TimeUnit.SECONDS, ReconcileSummary.class);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the reconciler did not finish in 30 s", e);
    }
    Answer list = http.get("/admin/reconcile/orphans", freshToken());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.text("workflow_id")).isEqualTo(workflowId);
    return list.json();
  }

  private static List<String> orphans(JsonNode report) {
    List<String> found = new ArrayList<>();
    report
        .get("orphans")
        .forEach(o -> found.add(o.get("kind").asString() + " " + o.get("name").asString()));
    return found;
  }

  @Test
  void reportsWhatWasMadeByHandAndTheLostWorkflowButNotTheLiveTenant() throws Exception {
    JsonNode report = reconcileNow();

    assertThat(orphans(report))
        .contains(
            "database " + ghost.database(),
            "role " + ghost.ownerRole(),
            "role " + ghost.appRole(),
            "stalled_tenant " + stalledId)
        .doesNotContain(
            "database " + live.database(),
            "role " + live.ownerRole(),
            "role " + live.appRole(),
            "stalled_tenant " + liveId);
    JsonNode db = null;
    for (JsonNode o : report.get("orphans")) {
      if (o.get("name").asString().equals(ghost.database())) {
        db = o;
      }
    }
    // Other tests register this cluster under ids of their own; the orphan names one of them.
    assertThat(
            new com.taskifai.registry.DatabaseServers(platform().db.platform())
                .find(db.get("server_id").asString())
                .map(com.taskifai.registry.DatabaseServers.Server::jdbcUrl))
        .contains(
            new com.taskifai.registry.DatabaseServers(platform().db.platform())
                .find(SERVER)
                .orElseThrow()
                .jdbcUrl());
    assertThat(db.get("tenant_id").asString()).isEqualTo(ghostId.toString());
    assertThat(report.get("counts").get("database").asInt()).isGreaterThanOrEqualTo(1);
    // The run is audited, and the gauge counts the newest report.
    assertThat(
            new AuditLog(platform().db.platform())
                .query(
                    new AuditLog.Query(
                        null, "ops@taskifai.test", "fleet.reconcile", null, null, 100)))
        .isNotEmpty();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(meters.get("taskifai.orphans").tag("kind", "database").gauge().value())
                    .isEqualTo(report.get("counts").get("database").asDouble()));
  }

  @Test
  void removalDropsAReportedOrphanAndRefusesWhatIsNoOrphan() {
    reconcileNow();
    String token = freshToken();

    // Fresh MFA is needed.
    assertThat(
            http.delete("/admin/reconcile/orphans/database/" + ghost.database(), staleToken())
                .status())
        .isEqualTo(403);
    // A live tenant's database is not in the report: refused, and it stays.
    Answer liveDb = http.delete("/admin/reconcile/orphans/database/" + live.database(), token);
    assertThat(liveDb.status()).isEqualTo(409);
    assertThat(liveDb.text("error")).isEqualTo("not_an_orphan");
    assertThat(exists("pg_database", "datname", live.database())).isTrue();
    // Bad input gets a 400.
    assertThat(http.delete("/admin/reconcile/orphans/table/x", token).status()).isEqualTo(400);
    assertThat(http.delete("/admin/reconcile/orphans/stalled_tenant/" + stalledId, token).status())
        .isEqualTo(400);
    Answer unscoped =
        http.delete("/admin/reconcile/orphans/unscoped_trial_database/taskifai_trials", token);
    assertThat(unscoped.status()).isEqualTo(400);
    assertThat(unscoped.text("message")).contains("repaired, not removed");
    assertThat(http.delete("/admin/reconcile/orphans/role/a%20b", token).status()).isEqualTo(400);

    // The role still owns the database: PostgreSQL refuses and so does the removal.
    Answer ownerFirst = http.delete("/admin/reconcile/orphans/role/" + ghost.ownerRole(), token);
    assertThat(ownerFirst.status()).isEqualTo(409);
    assertThat(ownerFirst.text("error")).isEqualTo("not_removable");
    assertThat(exists("pg_roles", "rolname", ghost.ownerRole())).isTrue();

    Answer dropped = http.delete("/admin/reconcile/orphans/database/" + ghost.database(), token);
    assertThat(dropped.status()).isEqualTo(200);
    assertThat(dropped.json().get("removed").asBoolean()).isTrue();
    assertThat(exists("pg_database", "datname", ghost.database())).isFalse();
    assertThat(http.delete("/admin/reconcile/orphans/role/" + ghost.appRole(), token).status())
        .isEqualTo(200);
    assertThat(http.delete("/admin/reconcile/orphans/role/" + ghost.ownerRole(), token).status())
        .isEqualTo(200);
    assertThat(exists("pg_roles", "rolname", ghost.ownerRole())).isFalse();
    assertThat(exists("pg_roles", "rolname", ghost.appRole())).isFalse();
    // The list no longer shows what was removed.
    assertThat(orphans(http.get("/admin/reconcile/orphans", token).json()))
        .doesNotContain("database " + ghost.database(), "role " + ghost.ownerRole());

    List<String> audited =
        new AuditLog(platform().db.platform())
                .query(
                    new AuditLog.Query(
                        null, "ops@taskifai.test", "orphan.remove", null, null, 1000))
                .stream()
                .filter(
                    e ->
                        e.detailJson().contains(ghost.database())
                            || e.detailJson().contains(ghost.ownerRole()))
                .map(AuditLog.Entry::outcome)
                .toList();
    assertThat(audited).containsExactly("refused", "removed", "removed");
  }

  @Test
  void aStrayDnsRecordIsReportedAndRemovedByItsDottedNameAndALiveTenantsStays() {
    String liveSub = registry.findById(liveId).orElseThrow().subdomain();
    String ghostHost = sub("ghost") + ".localhost";
    JdbcClient platformDb = JdbcClient.create(platform().db.owner());
    for (String host : List.of(ghostHost, liveSub + ".localhost")) {
      platformDb
          .sql(
              "INSERT INTO dns_records (name, record_type, value, ttl) VALUES (?, 'A', '127.0.0.1', 60)")
          .param(host)
          .update();
    }

    assertThat(orphans(reconcileNow()))
        .contains("dns_record " + ghostHost)
        .doesNotContain("dns_record " + liveSub + ".localhost");
    Answer live =
        http.delete("/admin/reconcile/orphans/dns_record/" + liveSub + ".localhost", freshToken());
    Answer removed = http.delete("/admin/reconcile/orphans/dns_record/" + ghostHost, freshToken());

    assertThat(live.status()).isEqualTo(409);
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.text("name")).isEqualTo(ghostHost);
    assertThat(
            platformDb
                .sql("SELECT name FROM dns_records WHERE name IN (?, ?)")
                .params(ghostHost, liveSub + ".localhost")
                .query(String.class)
                .list())
        .containsExactly(liveSub + ".localhost");
  }

  @Test
  void aReportedOrphanThatATenantOwnsByNowIsNotRemoved() {
    reconcileNow();
    // Between the report and the removal, the id becomes a live tenant's, placed on this server.
    registry.reserve(
        new TenantRegistry.Reservation(ghostId, sub("late"), "Late", "a@late.test", "local"));
    registry.assignDatabase(ghostId, SERVER, ghost.database());

    Answer refused =
        http.delete("/admin/reconcile/orphans/database/" + ghost.database(), freshToken());

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.text("message")).contains("not an orphan");
    assertThat(exists("pg_database", "datname", ghost.database())).isTrue();
    registry.setStatus(ghostId, TenantStatus.FAILED);
  }

  @Test
  void onDemandRunsNeedFreshMfaAndTheTimerLoopRunsOnTheInProcessServer() {
    assertThat(http.post("/admin/reconcile", null, staleToken()).status()).isEqualTo(403);
    assertThat(http.get("/admin/reconcile/orphans", null).status()).isEqualTo(401);

    // The in-process server has no schedules: the timer loop was chosen at start.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(http.get("/admin/reconcile/orphans", freshToken()).text("schedule"))
                    .isEqualTo("timer"));
    assertThat(
            platform()
                .client
                .newUntypedWorkflowStub(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID)
                .describe()
                .getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  }

  private boolean exists(String catalog, String column, String name) {
    return JdbcClient.create(server)
            .sql("SELECT count(*) FROM " + catalog + " WHERE " + column + " = ?")
            .param(name)
            .query(Long.class)
            .single()
        > 0;
  }
}
