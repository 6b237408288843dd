package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * A live import may not read the platform's own databases: a source_url on the registry database's
 * host and port (however the host is spelt) or on a registered database server is refused with 422
 * naming {@code TASKIFAI_IMPORT_SOURCE_HOSTS}, nothing staged and the credentials not echoed; a
 * host that setting allows is imported from as before.
 */
@TestPropertySource(properties = "taskifai.import-source-hosts=198.51.100.7:6543, other.example")
class ImportSourceAllowListTest extends ApiTestBase {
  private static final String BLOCKED_SERVER = "imp-src-blocked";
  private static final String ALLOWED_SERVER = "imp-src-allowed";

  @Autowired DatabaseServers servers;
  @Autowired CredentialCipher cipher;
  private String token;

  @BeforeEach
  void setUp() {
    token = freshToken();
    for (String[] s :
        new String[][] {
          {BLOCKED_SERVER, "jdbc:postgresql://192.0.2.7:6543/postgres?sslmode=disable"},
          {ALLOWED_SERVER, "jdbc:postgresql://198.51.100.7:6543/postgres"}
        }) {
      // Documentation addresses (RFC 5737), never this host; capacity 0: no tenant goes there.
      servers.register(
          cipher, new DatabaseServers.NewServer(s[0], "local", s[1], "admin", "pw", 0, 10));
    }
  }

  @AfterEach
  void forget() {
    forgetServers(BLOCKED_SERVER, ALLOWED_SERVER);
  }

  private String tenant() {
    String id =
        activeTenant(
            "Acme", "isrc-" + UUID.randomUUID().toString().substring(0, 8), "s@acme.com", token);
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET database_name = 'tenant_x' WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();
    return id;
  }

  private int staged(String tenantId) {
    return JdbcClient.create(platform().db.owner())
        .sql("SELECT count(*) FROM tenant_imports WHERE tenant_id = :t::uuid")
        .param("t", tenantId)
        .query(Integer.class)
        .single();
  }

  private Answer live(String tenantId, String hostPort, String password) {
    return http.post(
        "/admin/tenants/" + tenantId + "/imports",
        AdminHttp.json(
            "source_url", "postgresql://reader:" + password + "@" + hostPort + "/taskifai"),
        token);
  }

  @Test
  void theRegistryDatabaseIsRefusedHoweverItsHostIsSpeltAndNothingIsStaged() {
    String id = tenant();
    URI registry = URI.create(platform().db.jdbcUrl().substring("jdbc:".length()));
    int port = registry.getPort();
    String password = "pw-" + UUID.randomUUID();

    for (String host :
        new String[] {registry.getHost(), "127.0.0.1", "localhost", "[::1]", "LOCALHOST"}) {
      Answer refused = live(id, host + ":" + port, password);

      assertThat(refused.status()).as(host).isEqualTo(422);
      assertThat(refused.text("error")).isEqualTo("import_source_refused");
      assertThat(refused.text("message"))
          .contains("registry database")
          .contains("TASKIFAI_IMPORT_SOURCE_HOSTS")
          .contains(":" + port);
      assertThat(refused.body()).doesNotContain(password).doesNotContain("reader");
    }
    assertThat(staged(id)).isZero();
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .doesNotContain("tenant.import");
  }

  @Test
  void aRegisteredServerIsRefusedAndAnAllowedOneIsImportedFrom() {
    String id = tenant();
    String password = "pw-" + UUID.randomUUID();

    Answer refused = live(id, "192.0.2.7:6543", password);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.text("message"))
        .contains("registered database server '" + BLOCKED_SERVER + "'")
        .contains("TASKIFAI_IMPORT_SOURCE_HOSTS=192.0.2.7");
    assertThat(refused.body()).doesNotContain(password);
    assertThat(staged(id)).isZero();
    // Another port on the same host is another server: not refused for this one.
    String second = tenant();
    Answer otherPort = live(second, "192.0.2.7:6544", password);
    assertThat(otherPort.status()).isEqualTo(202);
    platform().client.newUntypedWorkflowStub(otherPort.text("workflow_id")).terminate("test done");

    String third = tenant();
    Answer allowed = live(third, "198.51.100.7:6543", password);

    assertThat(allowed.status()).isEqualTo(202);
    assertThat(allowed.text("import_id")).isNotBlank();
    assertThat(staged(third)).isEqualTo(1);
    platform().client.newUntypedWorkflowStub(allowed.text("workflow_id")).terminate("test done");
  }
}
