package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.routing.RouterClient;
import com.taskifai.routing.TrialIsolationCorpus;
import com.taskifai.tenantschema.TrialSchema;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Trials beside every fleet operation, through the admin API and the real router of the dev
 * platform with two servers: trials A and C share the trial database of local-1 with the dedicated
 * tenant D, trial B is on local-2. A move of A is refused and changes nothing, a drain of local-1
 * moves D, reports A and C as needing action and finishes, B is promoted, a backup and a restore of
 * A are refused, and a fleet rollout runs (migrating each server's trial database). After each,
 * every tenant still writes and reads its own rows through the router and sees no one else's, and
 * the isolation corpus ({@link TrialIsolationCorpus}) runs between the trials: A with C's ids, C
 * with A's, and B with A's while B is a trial. In order; each step builds on the one before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrialIsolationAcrossOperationsTest extends PlatformHttpTest {
  private static final String FIRST = DevPlatform.LOCAL_SERVER_ID;
  private static final String SECOND = DevPlatform.SECOND_SERVER_ID;

  private DevPlatform platform;
  private String admin;
  private String adminToken;
  private TenantRegistry registry;
  private TenantOperations operations;
  private DatabaseServers servers;
  private CredentialCipher cipher;
  private TrialIsolationCorpus corpus;
  private RouterClient router;
  private SignedIn a;
  private SignedIn b;
  private SignedIn c;
  private SignedIn d;
  private final List<String> written = new ArrayList<>();

  TrialIsolationAcrossOperationsTest() {
    super(Duration.ofSeconds(120), Duration.ofSeconds(60));
  }

  @BeforeAll
  void twoTrialsOnOneServerAThirdOnTheOtherAndADedicatedTenant() throws Exception {
    Path home = Files.createTempDirectory("taskifai-trial-seams");
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.put(DevPlatform.DEV_SERVERS, "2");
    env.put("TASKIFAI_PG2_PORT", Integer.toString(DevPlatformTest.freePort()));
    // Both servers in one region, so the drain can place the dedicated tenant on the other.
    env.put("TASKIFAI_DEV_SERVER2_REGION", "local");
    env.put("TASKIFAI_BACKUP_DIR", home.resolve("backups").toString());
    platform = new DevPlatform(env, home);
    platform.start();
    Properties dev = DevPlatformTest.devFile(home);
    admin = dev.getProperty("TASKIFAI_ADMIN_URL");
    adminToken = adminLogin(dev);
    DataSource platformDb = DevPlatformTest.platformDataSource(dev);
    registry = new TenantRegistry(platformDb);
    operations = new TenantOperations(platformDb);
    servers = new DatabaseServers(platformDb);
    cipher = new CredentialCipher(KeyRing.fromEnvironment(env, home.resolve("master.keys")));
    String routerPort = env.get("TASKIFAI_ROUTER_PORT");
    router = new RouterClient(Integer.parseInt(routerPort));
    corpus = new TrialIsolationCorpus(router);

    closed(SECOND);
    try {
      a = signedInTenant(admin, adminToken, routerPort, "seam-a", "trial");
      c = signedInTenant(admin, adminToken, routerPort, "seam-c", "trial");
      d = signedInTenant(admin, adminToken, routerPort, "seam-d", "dedicated");
    } finally {
      open(SECOND);
    }
    closed(FIRST);
    try {
      b = signedInTenant(admin, adminToken, routerPort, "seam-b", "trial");
    } finally {
      open(FIRST);
    }
    for (SignedIn t : List.of(a, c)) {
      assertThat(tenant(t).databaseServerId()).isEqualTo(FIRST);
      assertThat(tenant(t).databaseName()).isEqualTo(TrialSchema.DATABASE);
    }
    assertThat(tenant(b).databaseServerId()).isEqualTo(SECOND);
    assertThat(tenant(b).isTrial()).isTrue();
    assertThat(tenant(d).databaseServerId()).isEqualTo(FIRST);
    assertThat(tenant(d).isTrial()).isFalse();
    everyTenantWorksAlone("before");
  }

  @AfterAll
  void stopPlatform() {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  @Order(1)
  void aMoveOfATrialIsRefusedAndChangesNothing() throws Exception {
    Tenant before = tenant(a);
    HttpResponse<String> move =
        post(
            admin + "/admin/tenants/" + a.tenantId() + "/move",
            adminToken,
            Map.of("target_server", SECOND, "confirm_subdomain", a.subdomain()),
            null);

    assertThat(move.statusCode()).as(move.body()).isEqualTo(422);
    assertThat(move.body()).contains("promote the trial first");
    assertUnchanged(a, before);
    everyTenantWorksAloneAndTheCorpusHolds("after-move");
  }

  @Test
  @Order(2)
  void aDrainOfTheTrialsServerMovesTheDedicatedTenantReportsTheTrialsAndFinishes()
      throws Exception {
    HttpResponse<String> drain =
        post(admin + "/admin/servers/" + FIRST + "/drain", adminToken, Map.of(), null);
    assertThat(drain.statusCode()).as(drain.body()).isEqualTo(202);
    String progress = admin + "/admin/servers/" + FIRST + "/drain";
    awaitResponse(
        progress,
        adminToken,
        null,
        r ->
            Set.of("NEEDS_ACTION", "CLOSED", "INCOMPLETE")
                .contains(json(r).path("state").asText()));
    JsonNode done = json(get(progress, adminToken, null));

    assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("NEEDS_ACTION");
    assertThat(done.path("moved").asInt()).as(done.toString()).isEqualTo(1);
    List<String> needAction = new ArrayList<>();
    for (JsonNode r : done.path("results")) {
      if ("NEEDS_ACTION".equals(r.path("outcome").asText())) {
        needAction.add(r.path("tenant_id").asText(r.path("tenantId").asText()));
      }
    }
    assertThat(needAction)
        .as(done.toString())
        .containsExactlyInAnyOrder(a.tenantId().toString(), c.tenantId().toString());
    assertThat(tenant(d).databaseServerId()).isEqualTo(SECOND);
    for (SignedIn t : List.of(a, c)) {
      assertThat(tenant(t).databaseServerId()).isEqualTo(FIRST);
      assertThat(operations.current(t.tenantId())).isEmpty();
    }
    HttpResponse<String> reopen =
        post(admin + "/admin/servers/" + FIRST + "/open", adminToken, Map.of(), null);
    assertThat(reopen.statusCode()).as(reopen.body()).isEqualTo(200);
    everyTenantWorksAloneAndTheCorpusHolds("after-drain");
  }

  @Test
  @Order(3)
  void aPromotionOfTheOtherServersTrialLeavesTheTrialsAlone() throws Exception {
    HttpResponse<String> promote =
        post(
            admin + "/admin/tenants/" + b.tenantId() + "/promote",
            adminToken,
            Map.of("confirm_subdomain", b.subdomain()),
            null);
    assertThat(promote.statusCode()).as(promote.body()).isEqualTo(202);
    awaitResponse(
        admin + "/admin/tenants/" + b.tenantId() + "/promotion",
        adminToken,
        null,
        r -> "PROMOTED".equals(json(r).path("promotion").path("status").asText()));

    assertThat(tenant(b).isTrial()).isFalse();
    everyTenantWorksAloneAndTheCorpusHolds("after-promotion");
  }

  @Test
  @Order(4)
  void aBackupAndARestoreOfATrialAreRefusedAndChangeNothing() throws Exception {
    Tenant before = tenant(a);
    HttpResponse<String> backup =
        post(admin + "/admin/tenants/" + a.tenantId() + "/backups", adminToken, Map.of(), null);
    HttpResponse<String> restore =
        post(
            admin + "/admin/tenants/" + a.tenantId() + "/backups/" + UUID.randomUUID() + "/restore",
            adminToken,
            Map.of("mode", "replace", "confirm_subdomain", a.subdomain()),
            null);

    assertThat(backup.statusCode()).as(backup.body()).isEqualTo(409);
    assertThat(backup.body()).contains("promote");
    assertThat(restore.statusCode()).as(restore.body()).isEqualTo(409);
    assertThat(restore.body()).contains("promote");
    assertUnchanged(a, before);
    everyTenantWorksAloneAndTheCorpusHolds("after-restore");
  }

  @Test
  @Order(5)
  void aFleetRolloutBringsTheTrialDatabaseToTheFleetsVersionAndEveryTenantGoesOn()
      throws Exception {
    HttpResponse<String> started = post(admin + "/admin/migrations", adminToken, Map.of(), null);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = json(started).path("migration_id").asText();
    awaitResponse(
        admin + "/admin/migrations/" + id,
        adminToken,
        null,
        r -> Set.of("COMPLETED", "FAILED", "ABORTED").contains(json(r).path("state").asText()));
    JsonNode done = json(get(admin + "/admin/migrations/" + id, adminToken, null));

    assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("COMPLETED");
    assertThat(done.path("reason").isNull() || done.path("reason").isMissingNode())
        .as(done.toString())
        .isTrue();
    // migrate_trial_database records the trial database's version on each of its trials.
    var fleet = registry.fleetMigrations();
    assertThat(fleet.schemaVersion(d.tenantId())).isPresent();
    for (SignedIn t : List.of(a, c)) {
      assertThat(fleet.schemaVersion(t.tenantId())).isEqualTo(fleet.schemaVersion(d.tenantId()));
      assertThat(tenant(t).databaseName()).isEqualTo(TrialSchema.DATABASE);
      assertThat(operations.current(t.tenantId())).isEmpty();
    }
    everyTenantWorksAloneAndTheCorpusHolds("after-rollout");
  }

  /**
   * Every tenant writes a product through the router and reads back all it wrote so far and none of
   * the others' rows.
   */
  private void everyTenantWorksAlone(String step) {
    List<SignedIn> all = List.of(a, b, c, d);
    written.add(step);
    for (SignedIn t : all) {
      String host = RouterClient.host(t.subdomain());
      RouterClient.Response write =
          router.post(
              host,
              "/api/products",
              t.token(),
              Map.of("sku", step + "@" + t.subdomain(), "name", step));
      assertThat(write.status())
          .as("%s writes %s: %s", t.subdomain(), step, write.body())
          .isEqualTo(201);
      RouterClient.Response read = router.get(host, "/api/products?limit=200", t.token());
      assertThat(read.status()).as(read.body()).isEqualTo(200);
      for (String s : written) {
        assertThat(read.body())
            .as("%s reads its own rows", t.subdomain())
            .contains(s + "@" + t.subdomain());
      }
      for (SignedIn other : all) {
        if (other != t) {
          assertThat(read.body())
              .as("%s sees nothing of %s", t.subdomain(), other.subdomain())
              .doesNotContain("@" + other.subdomain())
              .doesNotContain(other.tenantId().toString());
        }
      }
    }
  }

  /**
   * {@link #everyTenantWorksAlone}, then the corpus between the trials that are still trials. Each
   * pair's corpus runs once per operation (five times): its login with the other trial's e-mail
   * fails, and a sixth failure of one account from one address would meet the router's back-off
   * (429) instead of the 401 the corpus expects.
   */
  private void everyTenantWorksAloneAndTheCorpusHolds(String step) {
    everyTenantWorksAlone(step);
    DataSource first = trialDatabase(FIRST);
    corpus.run(trial(a), trial(c), first, step + "-ac");
    corpus.run(trial(c), trial(a), first, step + "-ca");
    if (tenant(b).isTrial()) {
      corpus.run(trial(b), trial(a), first, step + "-ba");
    }
  }

  private TrialIsolationCorpus.Trial trial(SignedIn t) {
    return new TrialIsolationCorpus.Trial(
        t.tenantId(), t.subdomain(), t.email(), TENANT_PASSWORD, t.token());
  }

  private Tenant tenant(SignedIn t) {
    return registry.findById(t.tenantId()).orElseThrow();
  }

  /** The refused operation left the tenant where it was, with its credentials, and let it go. */
  private void assertUnchanged(SignedIn t, Tenant before) {
    Tenant after = tenant(t);
    assertThat(after.databaseServerId()).isEqualTo(before.databaseServerId());
    assertThat(after.databaseName()).isEqualTo(before.databaseName());
    assertThat(after.encryptedDatabaseUrl()).isEqualTo(before.encryptedDatabaseUrl());
    assertThat(after.isTrial()).isTrue();
    assertThat(operations.current(t.tenantId())).isEmpty();
  }

  /** The shared trial database of {@code serverId}, as the server's admin. */
  private DataSource trialDatabase(String serverId) {
    DatabaseServers.Server s = servers.find(serverId).orElseThrow();
    String url = s.jdbcUrl().substring(0, s.jdbcUrl().lastIndexOf('/') + 1) + TrialSchema.DATABASE;
    return new DriverManagerDataSource(url, s.adminUsername(), s.adminPassword(cipher));
  }

  private void closed(String serverId) {
    assertThat(servers.changeState(serverId, Set.of("OPEN"), "CLOSED")).isTrue();
  }

  private void open(String serverId) {
    assertThat(servers.changeState(serverId, Set.of("CLOSED"), "OPEN")).isTrue();
  }
}
