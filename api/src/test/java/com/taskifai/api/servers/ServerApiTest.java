package com.taskifai.api.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import java.net.ServerSocket;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The database servers API over real HTTP against real PostgreSQL: registration checks the
 * credentials before anything is stored, the list shows each server's health, close and open, and
 * {@code POST /admin/tenants} refuses a region without room before any workflow starts.
 */
class ServerApiTest extends ApiTestBase {
  @Autowired TenantRegistry registry;
  private String token;
  private DatabaseServers servers;
  private JdbcClient owner;

  @BeforeEach
  void login() {
    token = freshToken();
    servers = new DatabaseServers(platform().db.platform());
    owner = JdbcClient.create(platform().db.owner());
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private Answer register(String id, String region, String password, int capacity) {
    return http.post(
        "/admin/servers",
        AdminHttp.json(
            "id",
            id,
            "region",
            region,
            "jdbc_url",
            TestPostgres.jdbcUrl("postgres"),
            "admin_username",
            "postgres",
            "admin_password",
            password,
            "capacity",
            capacity,
            "connection_budget",
            25),
        token);
  }

  private Answer registerOk(String id, String region, int capacity) {
    Answer a = register(id, region, TestPostgres.superuserPassword(), capacity);
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    return a;
  }

  private UUID placedTenant(String serverId, String region) {
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(
            id, unique("placed"), "Placed Ltd", "a@placed.test", region));
    registry.assignDatabase(id, serverId, TestPostgres.createDatabase("placed"));
    return id;
  }

  private long auditRows(String action, String serverId) {
    return owner
        .sql("SELECT count(*) FROM audit_log WHERE action = :a AND detail->>'server_id' = :s")
        .param("a", action)
        .param("s", serverId)
        .query(Long.class)
        .single();
  }

  private JsonNode listed(String id) {
    Answer list = http.get("/admin/servers", token);
    assertThat(list.status()).isEqualTo(200);
    for (JsonNode item : list.json().get("items")) {
      if (item.get("id").asString().equals(id)) {
        return item;
      }
    }
    throw new AssertionError(id + " is not listed: " + list.body());
  }

  @Test
  void aServerRegisteredAsOnAPrivateNetworkKeepsTheMarkAndOthersDoNot() {
    String marked = unique("pn");
    Answer a =
        http.post(
            "/admin/servers",
            AdminHttp.json(
                "id",
                marked,
                "region",
                "eu-west",
                "jdbc_url",
                TestPostgres.jdbcUrl("postgres"),
                "admin_username",
                "postgres",
                "admin_password",
                TestPostgres.superuserPassword(),
                "private_network",
                true),
            token);
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    assertThat(servers.onPrivateNetwork(marked)).isTrue();
    String plain = unique("pn");
    registerOk(plain, "eu-west", 3);
    assertThat(servers.onPrivateNetwork(plain)).isFalse();
  }

  @Test
  void registersAServerWithItsPasswordEncryptedAndAudited() {
    String id = unique("pg");
    Answer a = registerOk(id, "eu-west", 7);
    JsonNode body = a.json();
    assertThat(body.get("state").asString()).isEqualTo("OPEN");
    assertThat(body.get("capacity").asInt()).isEqualTo(7);
    assertThat(body.get("connection_budget").asInt()).isEqualTo(25);
    assertThat(a.body()).doesNotContain(TestPostgres.superuserPassword());

    String stored =
        owner
            .sql("SELECT admin_password FROM database_servers WHERE id = :id")
            .param("id", id)
            .query(String.class)
            .single();
    assertThat(stored).isNotEqualTo(TestPostgres.superuserPassword());
    assertThat(stored).doesNotContain(TestPostgres.superuserPassword());
    assertThat(auditRows("server.register", id)).isEqualTo(1);
    String detail =
        owner
            .sql("SELECT detail::text FROM audit_log WHERE detail->>'server_id' = :s")
            .param("s", id)
            .query(String.class)
            .single();
    assertThat(detail).doesNotContain(TestPostgres.superuserPassword()).contains("15.");
  }

  @Test
  void aWrongPasswordIs422AndNothingIsStored() {
    String id = unique("pg");
    Answer a = register(id, "eu-west", "not-the-password", 5);
    assertThat(a.status()).isEqualTo(422);
    assertThat(a.text("code")).isEqualTo("server_unreachable");
    assertThat(a.text("detail")).contains("password authentication failed").contains(id);
    assertThat(a.body()).doesNotContain("not-the-password");
    assertThat(servers.find(id)).isEmpty();
    assertThat(auditRows("server.register", id)).isZero();
  }

  @Test
  void anUnreachableServerIs422() throws Exception {
    String id = unique("pg");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Answer a =
        http.post(
            "/admin/servers",
            AdminHttp.json(
                "id",
                id,
                "region",
                "eu-west",
                "jdbc_url",
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "admin_username",
                "postgres",
                "admin_password",
                "pw"),
            token);
    assertThat(a.status()).isEqualTo(422);
    assertThat(servers.find(id)).isEmpty();
  }

  @Test
  void aDuplicateIdIs409AndLeavesTheFirstAsItWas() {
    String id = unique("pg");
    registerOk(id, "eu-west", 3);
    Answer again = registerAgainElsewhere(id);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.text("code")).isEqualTo("server_exists");
    assertThat(servers.find(id).orElseThrow().region()).isEqualTo("eu-west");
    assertThat(servers.find(id).orElseThrow().capacity()).isEqualTo(3);
  }

  private Answer registerAgainElsewhere(String id) {
    return register(id, "us-east", TestPostgres.superuserPassword(), 99);
  }

  @Test
  void invalidFieldsAre400NamingEachOne() {
    Answer a =
        http.post(
            "/admin/servers",
            AdminHttp.json(
                "id",
                "Bad_Id",
                "region",
                "eu-west",
                "jdbc_url",
                "jdbc:mysql://x/y",
                "admin_username",
                "postgres",
                "admin_password",
                "pw",
                "capacity",
                -1),
            token);
    assertThat(a.status()).isEqualTo(400);
    JsonNode fields = a.json().get("fields");
    assertThat(fields.has("id")).isTrue();
    assertThat(fields.has("jdbc_url")).isTrue();
    assertThat(fields.has("capacity")).isTrue();
    assertThat(fields.has("region")).isFalse();
  }

  @Test
  void changesNeedFreshMfaAndReadingNeedsAToken() {
    String id = unique("pg");
    String stale = staleMfaToken();
    String body =
        AdminHttp.json(
            "id",
            id,
            "region",
            "eu-west",
            "jdbc_url",
            TestPostgres.jdbcUrl("postgres"),
            "admin_username",
            "postgres",
            "admin_password",
            TestPostgres.superuserPassword());
    Answer refused = http.post("/admin/servers", body, stale);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.text("error")).isEqualTo("mfa_required");
    assertThat(servers.find(id)).isEmpty();
    assertThat(http.post("/admin/servers", body, null).status()).isEqualTo(401);
    assertThat(http.get("/admin/servers", null).status()).isEqualTo(401);
    assertThat(http.post("/admin/servers/zz-api-test-local/close", null, stale).status())
        .isEqualTo(403);
    assertThat(http.post("/admin/servers/zz-api-test-local/open", null, stale).status())
        .isEqualTo(403);
  }

  @Test
  void listShowsTenantsVersionSizeAndSlotsAndAnUnreachableServer() throws Exception {
    String id = unique("pg");
    registerOk(id, "eu-west", 10);
    placedTenant(id, "eu-west");
    UUID gone = placedTenant(id, "eu-west");
    registry.setStatus(gone, TenantStatus.FAILED);
    placedTenant(id, "eu-west");
    String dead = unique("dead");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    servers.register(
        new com.taskifai.registry.crypto.CredentialCipher(
            com.taskifai.registry.crypto.KeyRing.parse(platform().masterKeys)),
        new DatabaseServers.NewServer(
            dead,
            "eu-west",
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
            "postgres",
            "pw",
            5,
            5));

    JsonNode item = listed(id);
    assertThat(item.get("tenants").asLong()).isEqualTo(2);
    assertThat(item.get("reachable").asBoolean()).isTrue();
    assertThat(item.get("version").asString()).startsWith("15.");
    assertThat(item.get("databases_bytes").asLong()).isGreaterThan(1_000_000L);
    assertThat(item.get("max_connections").asInt()).isEqualTo(300);
    assertThat(item.get("free_connections").asInt())
        .isEqualTo(300 - item.get("used_connections").asInt());
    assertThat(item.get("connection_budget").asInt()).isEqualTo(25);
    assertThat(item.get("capacity").asInt()).isEqualTo(10);
    assertThat(item.get("state").asString()).isEqualTo("OPEN");
    assertThat(item.toString()).doesNotContain("admin_password");

    JsonNode down = listed(dead);
    assertThat(down.get("reachable").asBoolean()).isFalse();
    assertThat(down.get("error").asString()).isNotBlank();
    assertThat(down.get("version").isNull()).isTrue();
    // Left registered, the dead server would cost every later reconciler scan of the shared
    // platform an admin-connection timeout (ReconcileApiTest: 10 s per test).
    forgetServers(dead);
  }

  @Test
  void closeRefusesWhileTenantsRemainThenClosesAndOpenReopens() {
    String id = unique("pg");
    registerOk(id, "close-test", 10);
    UUID t = placedTenant(id, "close-test");

    Answer busy = http.post("/admin/servers/" + id + "/close", null, token);
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.text("detail")).contains("1 tenant");
    assertThat(busy.json().get("tenants").asLong()).isEqualTo(1);
    assertThat(servers.find(id).orElseThrow().state()).isEqualTo("OPEN");

    registry.setStatus(t, TenantStatus.DELETED);
    Answer closed = http.post("/admin/servers/" + id + "/close", null, token);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    assertThat(closed.text("state")).isEqualTo("CLOSED");
    assertThat(servers.placeFor("close-test")).isEmpty();
    assertThat(auditRows("server.close", id)).isEqualTo(1);

    Answer opened = http.post("/admin/servers/" + id + "/open", null, token);
    assertThat(opened.status()).isEqualTo(200);
    assertThat(opened.text("state")).isEqualTo("OPEN");
    assertThat(auditRows("server.open", id)).isEqualTo(1);

    servers.changeState(id, Set.of("OPEN"), "DRAINING");
    assertThat(http.post("/admin/servers/" + id + "/open", null, token).text("state"))
        .isEqualTo("OPEN");
    assertThat(http.post("/admin/servers/nope-404/close", null, token).status()).isEqualTo(404);
  }

  @Test
  void aTenantInARegionWithoutRoomIs422NamingTheRegionAndStartsNoWorkflow() throws Exception {
    String region = unique("full");
    String full = unique("pg");
    registerOk(full, region, 1);
    placedTenant(full, region);
    String draining = unique("pg");
    registerOk(draining, region, 10);
    servers.changeState(draining, Set.of("OPEN"), "DRAINING");

    String sub = unique("noroom");
    Answer a =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name",
                "No Room",
                "subdomain",
                sub,
                "admin_email",
                "boss@noroom.com",
                "region",
                region),
            token);
    assertThat(a.status()).isEqualTo(422);
    assertThat(a.text("code")).isEqualTo("no_capacity");
    assertThat(a.text("detail")).contains("'" + region + "'");
    assertThat(a.json().get("region").asString()).isEqualTo(region);
    assertThat(registry.findLiveBySubdomain(sub)).isEmpty();
    assertThat(
            owner
                .sql("SELECT count(*) FROM audit_log WHERE detail->>'subdomain' = :s")
                .param("s", sub)
                .query(Long.class)
                .single())
        .isZero();
    var client = platform().client;
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                client
                    .getWorkflowServiceStubs()
                    .blockingStub()
                    .describeWorkflowExecution(
                        DescribeWorkflowExecutionRequest.newBuilder()
                            .setNamespace(client.getOptions().getNamespace())
                            .setExecution(
                                io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                                    .setWorkflowId(ProvisionTenantWorkflow.workflowId(sub)))
                            .build()))
        .hasMessageContaining("NOT_FOUND");

    // Reopening room lets the same request through.
    servers.changeState(draining, Set.of("DRAINING"), "OPEN");
    Answer ok =
        http.post(
            "/admin/tenants",
            AdminHttp.json(
                "company_name",
                "No Room",
                "subdomain",
                sub,
                "admin_email",
                "boss@noroom.com",
                "region",
                region),
            token);
    assertThat(ok.status()).as(ok.body()).isEqualTo(202);
  }
}
