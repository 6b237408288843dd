package com.taskifai.worker;

import static com.taskifai.worker.SecondServer.FIRST;
import static com.taskifai.worker.SecondServer.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.ServerDrains;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.move.DrainServerWorkflow;
import com.taskifai.workflows.move.MoveTenantWorkflow;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Trials under moves and drains, on two real PostgreSQL clusters and the real worker: trials A and
 * C share the trial database of local-1, B that of local-2. A move of A (started straight on the
 * workflow, as a drain would) is refused at check_move and changes nothing on either server; a
 * drain of local-1 moves no trial, reports A and C as needing action and ends with the server
 * DRAINING. After each, every trial reads and writes its own rows and sees no one else's, and the
 * shared databases kept their identity, their app role's password and their writability.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrialMoveAndDrainEndToEndTest {
  private static EmbeddedPlatform embedded;
  private static SecondServer servers;
  private static PlatformActivities activities;
  private static PlatformWorker worker;
  private static TenantRegistry registry;
  private static Tenant a;
  private static Tenant b;
  private static Tenant c;
  private static Map<String, String> sharedBefore;

  @BeforeAll
  static void start() throws Exception {
    embedded = new EmbeddedPlatform();
    servers = new SecondServer(embedded);
    activities = PlatformActivities.fromEnvironment(embedded.env);
    worker = embedded.worker(activities);
    worker.start();
    registry = new TenantRegistry(embedded.platform.platform());
    a = trialOn(FIRST, "tra");
    b = trialOn(SECOND, "trb");
    c = trialOn(FIRST, "trc");
    for (Tenant t : List.of(a, b, c)) {
      assertThat(write(t, "own-" + t.subdomain())).isTrue();
    }
    sharedBefore = sharedDatabases();
  }

  @AfterAll
  static void stop() throws Exception {
    EmbeddedPlatform.closeAll(worker, activities, embedded, servers);
  }

  @Test
  @Order(1)
  void movingATrialIsRefusedAtCheckMoveAndChangesNothingOnEitherServer() {
    MoveTenantWorkflow flow =
        embedded.client.newWorkflowStub(
            MoveTenantWorkflow.class,
            MoveTenantEndToEndTest.options(WorkflowIds.move(a.tenantId(), SECOND), null));
    WorkflowClient.start(
        flow::move, new MoveTenantWorkflow.MoveRequest(a.tenantId(), SECOND, 1, "e2e", null));

    assertThatThrownBy(
            () -> WorkflowStub.fromTyped(flow).getResult(120, TimeUnit.SECONDS, String.class))
        .isInstanceOf(WorkflowFailedException.class);
    assertThat(flow.progress().error()).contains("promote the trial first");
    assertThat(flow.progress().step()).isEqualTo("check_move");
    Tenant after = registry.findById(a.tenantId()).orElseThrow();
    assertThat(after.databaseServerId()).isEqualTo(FIRST);
    assertThat(after.databaseName()).isEqualTo(TrialSchema.DATABASE);
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(a.encryptedDatabaseUrl());
    assertThat(new TenantOperations(embedded.platform.platform()).current(a.tenantId())).isEmpty();
    everyTrialWorksAlone("after-move");
  }

  @Test
  @Order(2)
  void drainingTheTrialsServerMovesNoTrialReportsEachAndEndsWithTheServerDraining()
      throws Exception {
    assertThat(new ServerDrains(embedded.platform.platform()).markDraining(FIRST)).isTrue();
    try {
      DrainServerWorkflow drain =
          embedded.client.newWorkflowStub(
              DrainServerWorkflow.class,
              MoveTenantEndToEndTest.options(WorkflowIds.drain(FIRST), null));
      WorkflowClient.start(drain::drain, DrainServerWorkflow.DrainRequest.of(FIRST, 2, 1, "e2e"));

      assertThat(WorkflowStub.fromTyped(drain).getResult(120, TimeUnit.SECONDS, String.class))
          .isEqualTo(DrainServerWorkflow.NEEDS_ACTION);
      assertThat(servers.state(FIRST)).isEqualTo("DRAINING");
      DrainServerWorkflow.DrainProgress progress = drain.progress();
      assertThat(progress.moved()).isZero();
      assertThat(progress.results())
          .extracting(DrainServerWorkflow.TenantResult::tenantId)
          .containsExactlyInAnyOrder(a.tenantId(), c.tenantId());
      assertThat(progress.results())
          .allSatisfy(
              r -> {
                assertThat(r.outcome()).isEqualTo(DrainServerWorkflow.NEEDS_ACTION);
                assertThat(r.error()).contains("promote it or offboard it");
              });
      for (Tenant t : List.of(a, c)) {
        assertThat(registry.findById(t.tenantId()).orElseThrow().databaseServerId())
            .isEqualTo(FIRST);
      }
      everyTrialWorksAlone("after-drain");
    } finally {
      servers.state(FIRST, "OPEN");
    }
  }

  /**
   * Each trial writes a row and reads back its own rows only; the shared databases are as before.
   */
  private static void everyTrialWorksAlone(String sku) {
    for (Tenant t : List.of(a, b, c)) {
      assertThat(write(t, sku + "-" + t.subdomain())).as("%s writes", t.subdomain()).isTrue();
      List<String> others =
          List.of(a, b, c).stream()
              .filter(o -> !o.tenantId().equals(t.tenantId()))
              .map(Tenant::subdomain)
              .toList();
      assertThat(read(t))
          .as("%s reads its own rows and no one else's", t.subdomain())
          .contains("own-" + t.subdomain(), sku + "-" + t.subdomain())
          .noneMatch(s -> others.stream().anyMatch(s::endsWith));
    }
    assertThat(sharedDatabases()).isEqualTo(sharedBefore);
  }

  /**
   * Per server: the shared trial database's oid (dropped and made again would change it), its
   * per-database settings (read-only would show) and the app role's password verifier.
   */
  private static Map<String, String> sharedDatabases() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String server : List.of(FIRST, SECOND)) {
      JdbcClient admin = JdbcClient.create(servers.superuser(server, "postgres"));
      out.put(
          server + " oid",
          admin
              .sql("SELECT oid::text FROM pg_database WHERE datname = :db")
              .param("db", TrialSchema.DATABASE)
              .query(String.class)
              .optional()
              .orElse("none"));
      out.put(
          server + " settings",
          admin
              .sql(
                  "SELECT coalesce(string_agg(array_to_string(s.setconfig, ','), ';'), '')"
                      + " FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
                      + " WHERE d.datname = :db")
              .param("db", TrialSchema.DATABASE)
              .query(String.class)
              .single());
      out.put(
          server + " password",
          admin
              .sql("SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = :r")
              .param("r", TrialSchema.APP_ROLE)
              .query(String.class)
              .optional()
              .orElse("none"));
    }
    return out;
  }

  /** Provisions a trial onto {@code serverId}: the other server is closed meanwhile. */
  private static Tenant trialOn(String serverId, String prefix) throws Exception {
    String other = serverId.equals(FIRST) ? SECOND : FIRST;
    servers.state(other, "CLOSED");
    try {
      UUID id = UUID.randomUUID();
      ProvisionTenantWorkflow flow =
          embedded.startTrialProvisioning(id, prefix + "-" + id.toString().substring(0, 8), null);
      flow.emailVerified(new EmailVerified("e2e"));
      assertThat(
              WorkflowStub.fromTyped(flow)
                  .getResult(90, TimeUnit.SECONDS, ProvisioningResult.class)
                  .status())
          .isEqualTo(WorkflowStatus.ACTIVE);
      Tenant t = registry.findById(id).orElseThrow();
      assertThat(t.isTrial()).isTrue();
      assertThat(t.databaseServerId()).isEqualTo(serverId);
      return t;
    } finally {
      servers.state(other, "OPEN");
    }
  }

  /** A trial transaction as the router opens one: the shared app role, the tenant's setting. */
  private static Connection trial(Tenant t) throws SQLException {
    TenantCredentials creds =
        TenantCredentials.decrypt(embedded.cipher, registry.findById(t.tenantId()).orElseThrow());
    Connection conn =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password());
    conn.setAutoCommit(false);
    TrialSchema.beginTenantTransaction(conn, t.tenantId());
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT set_config('app.user_role', 'admin', true)")) {
      ps.execute();
    }
    return conn;
  }

  private static boolean write(Tenant t, String sku) {
    try (Connection conn = trial(t);
        PreparedStatement ps =
            conn.prepareStatement("INSERT INTO products (sku, name) VALUES (?, ?)")) {
      ps.setString(1, sku);
      ps.setString(2, sku);
      boolean one = ps.executeUpdate() == 1;
      conn.commit();
      return one;
    } catch (SQLException e) {
      return false;
    }
  }

  private static List<String> read(Tenant t) {
    try (Connection conn = trial(t);
        PreparedStatement ps = conn.prepareStatement("SELECT sku FROM products ORDER BY sku");
        ResultSet rs = ps.executeQuery()) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
