package com.taskifai.activities.database.supabase;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.taskifai.activities.ActivitiesConfig;
import com.taskifai.activities.ActivitiesFixture;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.providers.SupabaseSettings;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.tenantschema.TenantSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.ports.DatabasePlacement;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.ReserveTenantInput;
import com.taskifai.workflows.ports.StepInput;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The Supabase database provider against a wire-level fake of the Management API whose projects are
 * roles on the embedded PostgreSQL: the provisioning steps really create, migrate, secure and seed
 * the tenant database inside the "project", and undo/offboarding really delete it.
 */
class SupabaseProviderTest {
  private static final String TOKEN = "sbp_fake_access_token_0123456789";

  private final FakeSupabase fake = new FakeSupabase(TOKEN);
  private final WireMockServer wiremock =
      new WireMockServer(options().dynamicPort().extensions(fake));
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final List<String> errors = new ArrayList<>();

  @BeforeEach
  void start() {
    wiremock.start();
    wiremock.stubFor(any(anyUrl()).willReturn(ok()));
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    wiremock.stop();
  }

  private ActivitiesFixture fixture(String token, Duration readyTimeout) {
    return new ActivitiesFixture(ActivitiesConfig.defaults(), settings(token, readyTimeout));
  }

  private SupabaseSettings settings(String token, Duration readyTimeout) {
    return SupabaseSettings.fromEnvironment(
            Map.of(
                SupabaseSettings.ENV_TOKEN,
                token,
                "TASKIFAI_SUPABASE_ORGANIZATION",
                "taskifai-org",
                "TASKIFAI_SUPABASE_REGIONS",
                "local=eu-central-1",
                "TASKIFAI_SUPABASE_INSTANCE_SIZE",
                "micro"))
        .withApi(
            URI.create(wiremock.baseUrl()),
            readyTimeout,
            Duration.ofMillis(50),
            TestPostgres.port())
        // The fake's projects live on the test server, which speaks no TLS.
        .withTls("prefer", null);
  }

  private ActivitiesFixture fixture() {
    return fixture(TOKEN, Duration.ofSeconds(30));
  }

  private static StepInput reserveOnSupabase(ActivitiesFixture fx) {
    UUID id = UUID.randomUUID();
    String subdomain = ActivitiesFixture.newSubdomain();
    fx.activities
        .registry()
        .reserveTenant(
            new ReserveTenantInput(
                id,
                subdomain,
                "Acme",
                "admin@" + subdomain + ".test",
                "local",
                "test",
                "supabase"));
    return StepInput.of(id, subdomain);
  }

  /** Runs a step, keeping its failure message for the no-secret check. */
  private void step(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      errors.add(String.valueOf(e.getMessage()));
      throw e;
    }
  }

  private static void provision(ActivitiesFixture fx, StepInput in) {
    var db = fx.activities.database();
    db.createDatabase(in);
    fx.activities.registry().storeCredentials(in);
    db.migrateSchema(in);
    db.seedVendorConfigs(in);
    db.applyRls(in);
    db.createAdminUser(in);
  }

  @Test
  void provisionsInsideTheProjectAndOffboardingDeletesItOnce() throws Exception {
    ActivitiesFixture fx = fixture();
    StepInput in = reserveOnSupabase(fx);
    DatabasePlacement placement = fx.activities.registry().placeDatabase(in);
    assertThat(placement.serverId()).isEqualTo("supabase");
    provision(fx, in);

    assertThat(fake.projects).hasSize(1);
    FakeSupabase.Project project = fake.projects.values().iterator().next();
    assertThat(project.name).isEqualTo(SupabaseProjects.projectName(in.tenantId()));
    assertThat(project.region).isEqualTo("eu-central-1");
    assertThat(fake.createBodies.get(0).path("organization_slug").asText())
        .isEqualTo("taskifai-org");
    assertThat(fake.createBodies.get(0).path("desired_instance_size").asText()).isEqualTo("micro");
    assertThat(project.polls.get()).isGreaterThan(2); // waited through COMING_UP

    TenantProviders providers = new TenantProviders(fx.platform.platform());
    TenantProviders.ProviderInfo info = providers.find(in.tenantId()).orElseThrow();
    assertThat(info.projectRef()).isEqualTo(project.ref);
    assertThat(providers.serviceKey(fx.cipher, in.tenantId())).contains(project.serviceKey);
    assertThat(fx.tenant(in.tenantId()).databaseServerId()).isEqualTo("supabase-" + project.ref);
    assertThat(new DatabaseServers(fx.platform.platform()).placeFor("local").orElseThrow().id())
        .isEqualTo(ActivitiesFixture.SERVER_ID); // the project's server takes no other tenant
    // At rest: the service key and the database password only as ciphertext.
    assertThat(
            ActivitiesFixture.count(
                fx.platform.owner(),
                "SELECT count(*) FROM tenants WHERE provider_service_key LIKE ?",
                "%" + project.serviceKey + "%"))
        .isZero();
    assertThat(
            ActivitiesFixture.count(
                fx.platform.owner(),
                "SELECT count(*) FROM database_servers WHERE admin_password = ?",
                project.dbPass))
        .isZero();

    // The router's credentials: the pooler's host and port, the tenant database, its app role.
    TenantCredentials creds = TenantCredentials.decrypt(fx.cipher, fx.tenant(in.tenantId()));
    TenantDatabaseNames names = TenantDatabaseNames.of(in.tenantId());
    assertThat(creds.jdbcUrl())
        .isEqualTo(
            "jdbc:postgresql://localhost:"
                + TestPostgres.port()
                + "/"
                + names.database()
                + "?sslmode=prefer");
    // The TLS setting reaches the project's server row too (admin connections, pg_dump).
    assertThat(
            new DatabaseServers(fx.platform.platform())
                .find("supabase-" + project.ref)
                .orElseThrow()
                .jdbcUrl())
        .endsWith("/postgres?sslmode=prefer");
    assertThat(creds.username()).isEqualTo(names.appRole());
    try (Connection c =
        DriverManager.getConnection(creds.jdbcUrl(), creds.username(), creds.password())) {
      assertThat(c.isValid(2)).isTrue();
    }
    assertThat(TenantSchema.rlsApplied(TestPostgres.superuser(names.database()))).isTrue();
    assertThat(
            ActivitiesFixture.count(
                TestPostgres.superuser(names.database()),
                "SELECT count(*) FROM users WHERE email = ?",
                fx.tenant(in.tenantId()).adminEmail()))
        .isEqualTo(1);

    // Offboarding deletes the project (and with it the database); a second delete finds it gone.
    fx.activities.registry().markDeleting(in);
    fx.activities.database().dropDatabase(in);
    assertThat(fake.calls).contains("DELETE /v1/projects/" + project.ref);
    assertThat(fx.databaseExists(names.database())).isFalse();
    fx.activities.database().dropDatabase(in);
    assertThat(fake.calls.stream().filter(c -> c.equals("DELETE /v1/projects/" + project.ref)))
        .hasSize(2);
    assertThat(providers.serviceKey(fx.cipher, in.tenantId())).isEmpty();
    fx.activities.registry().eraseCredentials(in);
    fx.activities.registry().markDeleted(in);
    assertThat(fx.tenant(in.tenantId()).status()).isEqualTo(TenantStatus.DELETED);

    assertNoSecretLeaked(fx, in, project);
  }

  @Test
  void aRestoreToTimeGoesThroughSupabasesPointInTimeRecoveryOrIsRefusedSayingWhy() {
    ActivitiesFixture fx = fixture();
    StepInput in = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(in);
    fx.activities.database().createDatabase(in);
    FakeSupabase.Project project = fake.projects.values().iterator().next();
    var restores = fx.activities.pointInTime();
    // The project's first second: inside its range however fast the test runs.
    java.time.Instant at = java.time.OffsetDateTime.parse(project.createdAt).toInstant();
    var input =
        new com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput(
            in.tenantId(), "s1", at, "restore-to-time:s1");
    String restorePath = "POST /v1/projects/" + project.ref + "/database/backups/restore-pitr";

    // Without the PITR add-on: refused, naming what to enable; nothing is sent.
    project.pitrEnabled = false;
    assertThatThrownBy(() -> step(() -> restores.restoreByProvider(input)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureType.MISCONFIGURED.name());
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("has no point-in-time recovery")
                  .contains("PITR add-on");
            });
    project.pitrEnabled = true;
    // A moment outside the project's range: refused, naming the range.
    var tooEarly =
        new com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput(
            in.tenantId(), "s0", at.minusSeconds(86_400), "restore-to-time:s0");
    assertThatThrownBy(() -> step(() -> restores.restoreByProvider(tooEarly)))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("to a moment from");
    assertThat(fake.calls).doesNotContain(restorePath);

    // With it: one restore to the second asked for, waited for through RESTORING.
    restores.restoreByProvider(input);
    assertThat(project.restoredTo).containsExactly(at.getEpochSecond());
    assertThat(fake.calls.stream().filter(c -> c.startsWith(restorePath))).hasSize(1);
    assertThat(project.restoringPolls.get()).isNegative(); // looked until healthy again
    // Found RESTORING, a retried step waits for that restore instead of sending another.
    project.restoringPolls.set(1);
    restores.restoreByProvider(input);
    assertThat(project.restoredTo).hasSize(1);
    assertNoSecretLeaked(fx, in, project);
  }

  /**
   * The worker dies after sending the restore (here: its attempt is stuck waiting for an answer
   * Supabase holds back, and Supabase shows the project RESTORING only after a few looks): the
   * retry on another worker finds the recorded request, sends nothing, waits for that restore and
   * ends when the project is healthy. One request in all; a later attempt that finds nothing
   * running fails non-retryably saying a restore was requested, still without sending another.
   */
  @Test
  void aRestoreToTimeSentByAWorkerThatDiedIsWaitedForByItsRetryAndNeverSentTwice()
      throws Exception {
    ActivitiesFixture fx = fixture();
    StepInput in = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(in);
    fx.activities.database().createDatabase(in);
    FakeSupabase.Project project = fake.projects.values().iterator().next();
    java.time.Instant at = java.time.OffsetDateTime.parse(project.createdAt).toInstant();
    var input =
        new com.taskifai.workflows.ports.PointInTimeActivities.PointInTimeInput(
            in.tenantId(), "d1", at, "restore-to-time:d1");
    String restorePath = "POST /v1/projects/" + project.ref + "/database/backups/restore-pitr";
    fake.restoreAnswersToLose.set(1);
    fake.lostAnswerDelayMillis = 6_000;
    fake.restoreShowsAfterPolls = 3;

    // The first worker sends the request and hangs on its answer: as good as dead from here.
    java.util.concurrent.atomic.AtomicReference<Throwable> firstEnded =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread first =
        new Thread(
            () -> {
              try {
                fx.activities.pointInTime().restoreByProvider(input);
              } catch (Throwable t) {
                firstEnded.set(t);
              }
            },
            "dying-worker");
    first.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (project.restoredTo.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(project.restoredTo).as("Supabase got the first request").hasSize(1);

    // The retry, on another worker: activities of their own on the same platform database.
    com.taskifai.activities.PlatformActivities retry =
        com.taskifai.activities.PlatformActivities.builder(
                fx.platform.platform(), fx.cipher, fx.config)
            .clock(java.time.Clock.systemUTC())
            .supabase(settings(TOKEN, Duration.ofSeconds(30)))
            .build();
    retry.pointInTime().restoreByProvider(input);
    assertThat(first.isAlive()).as("the first attempt is still stuck on its answer").isTrue();
    assertThat(project.restoredTo).containsExactly(at.getEpochSecond());
    assertThat(fake.calls.stream().filter(c -> c.startsWith(restorePath))).hasSize(1);
    assertThat(project.restoringPolls.get()).isNegative(); // waited through RESTORING to healthy
    first.join(30_000);

    // Once more, with nothing running: neither restored again nor taken as done.
    assertThatThrownBy(() -> step(() -> retry.pointInTime().restoreByProvider(input)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("was requested at")
                  .contains("by an earlier attempt")
                  .contains("not sent a second time");
            });
    assertThat(fake.calls.stream().filter(c -> c.startsWith(restorePath))).hasSize(1);
    assertThat(project.restoredTo).hasSize(1);
    retry.close();
    assertNoSecretLeaked(fx, in, project);
  }

  @Test
  void aProjectStuckComingUpFailsTheStepAndTheUndoDeletesIt() {
    fake.comingUpPolls = -1;
    ActivitiesFixture fx = fixture(TOKEN, Duration.ofMillis(600));
    StepInput in = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(in);

    assertThatThrownBy(() -> step(() -> fx.activities.database().createDatabase(in)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureType.NOT_READY.name());
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("still COMING_UP");
            });
    FakeSupabase.Project project = fake.projects.values().iterator().next();
    fx.activities.database().dropDatabase(in); // the saga's undo_create_database
    assertThat(project.deleted).isTrue();
    assertThat(fx.roleExists(project.adminRole())).isFalse();
    // A late retry of create_database after the undo creates no second project.
    assertThatThrownBy(() -> fx.activities.database().createDatabase(in))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("dropped by its undo");
    assertThat(fake.projects).hasSize(1);
    assertNoSecretLeaked(fx, in, project);
  }

  @Test
  void aCreateWhoseAnswerTimesOutTwiceLeavesExactlyOneProjectAndTheTenantOwnsIt() {
    // Each create makes its project, and its answer comes after the worker stopped waiting; the
    // first project also stays out of the listing for three looks, so a second create is sent.
    fake.createAnswersToLose.set(2);
    fake.lostAnswerDelayMillis = 1_500;
    fake.hideNextCreateFromListings.set(3);
    ActivitiesFixture fx =
        new ActivitiesFixture(
            ActivitiesConfig.defaults(),
            settings(TOKEN, Duration.ofSeconds(30)).withCallTimeout(Duration.ofMillis(300)));
    StepInput in = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(in);

    fx.activities.database().createDatabase(in);

    assertThat(fake.calls.stream().filter(c -> c.equals("POST /v1/projects"))).hasSize(2);
    assertThat(fake.projects).hasSize(2);
    List<FakeSupabase.Project> live =
        fake.projects.values().stream().filter(p -> !p.deleted).toList();
    assertThat(live).hasSize(1); // the second one was found and deleted, not left billing
    FakeSupabase.Project kept = live.get(0);
    assertThat(kept.name).isEqualTo(SupabaseProjects.projectName(in.tenantId()));
    TenantProviders providers = new TenantProviders(fx.platform.platform());
    assertThat(providers.find(in.tenantId()).orElseThrow().projectRef()).isEqualTo(kept.ref);
    assertThat(fx.tenant(in.tenantId()).databaseServerId()).isEqualTo("supabase-" + kept.ref);
    assertThat(fx.databaseExists(TenantDatabaseNames.of(in.tenantId()).database())).isTrue();

    // The undo deletes the tenant's project and leaves none named for it.
    fx.activities.database().dropDatabase(in);
    assertThat(fake.projects.values()).allMatch(p -> p.deleted);
    assertNoSecretLeaked(fx, in, kept);
  }

  @Test
  void theReconcilerListsProviderProjectsWithThePlatformsNamingThatNoTenantOwns() {
    ActivitiesFixture fx = fixture();
    StepInput owned = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(owned);
    fx.activities.database().createDatabase(owned);
    FakeSupabase.Project own = fake.projects.values().iterator().next();

    SupabaseManagementApi api =
        new SupabaseManagementApi(URI.create(wiremock.baseUrl()), TOKEN, Duration.ofMillis(50));
    // A second project named for the live tenant (a create whose answer was lost), one for a
    // tenant id nobody has, and one that is not the platform's.
    String duplicate =
        api.createProject(
                SupabaseProjects.projectName(owned.tenantId()), "taskifai-org", "pw-1", "x", null)
            .ref();
    UUID nobody = UUID.randomUUID();
    String stray =
        api.createProject(SupabaseProjects.projectName(nobody), "taskifai-org", "pw-2", "x", null)
            .ref();
    api.createProject("someone-elses-app", "taskifai-org", "pw-3", "x", null);

    List<Orphan> projects =
        fx.activities.fleet().scanFleet().orphans().stream()
            .filter(o -> o.kind().equals(Orphan.PROVIDER_PROJECT))
            .toList();
    assertThat(projects).extracting(Orphan::name).containsExactlyInAnyOrder(duplicate, stray);
    assertThat(projects)
        .filteredOn(o -> o.name().equals(duplicate))
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.tenantId()).isEqualTo(owned.tenantId());
              assertThat(o.reason()).contains("owns Supabase project " + own.ref);
            });
    assertThat(projects)
        .filteredOn(o -> o.name().equals(stray))
        .singleElement()
        .satisfies(o -> assertThat(o.reason()).contains("no tenant has the id " + nobody));

    // Removing one checks again; the tenant's own project is not an orphan.
    assertThat(
            fx.activities
                .fleet()
                .removeOrphan(new OrphanRemoval(Orphan.PROVIDER_PROJECT, own.ref, null, "test"))
                .removed())
        .isFalse();
    assertThat(own.deleted).isFalse();
    assertThat(
            fx.activities
                .fleet()
                .removeOrphan(new OrphanRemoval(Orphan.PROVIDER_PROJECT, stray, null, "test"))
                .removed())
        .isTrue();
    assertThat(fake.projects.get(stray).deleted).isTrue();
    fx.activities.database().dropDatabase(owned);
    assertThat(fake.projects.get(duplicate).deleted).isTrue(); // named for the tenant: deleted too
  }

  @Test
  void rateLimitsAndServerErrorsAreRetried() {
    ActivitiesFixture fx = fixture();
    fake.faults.add(new FakeSupabase.Fault("POST", "/v1/projects", 429, "1"));
    fake.faults.add(new FakeSupabase.Fault("GET", "/v1/projects/", 500, null));
    fake.faults.add(new FakeSupabase.Fault("GET", "/v1/projects/", 503, null));
    StepInput in = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(in);
    long started = System.nanoTime();
    fx.activities.database().createDatabase(in);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(900));
    assertThat(fake.faults).isEmpty();
    assertThat(fake.projects).hasSize(1); // the 429 created nothing; the retry created one
    assertThat(fx.databaseExists(TenantDatabaseNames.of(in.tenantId()).database())).isTrue();
    fx.activities.database().dropDatabase(in);
  }

  @Test
  void aRefusedTokenFailsTheStepClearlyAndTheUndoFinishes() {
    ActivitiesFixture fx = fixture("sbp_wrong_token_9876543210", Duration.ofSeconds(30));
    StepInput in = reserveOnSupabase(fx);
    fx.activities.registry().placeDatabase(in);
    assertThatThrownBy(() -> step(() -> fx.activities.database().createDatabase(in)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(FailureType.MISCONFIGURED.name());
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("HTTP 401")
                  .contains("TASKIFAI_SUPABASE_ACCESS_TOKEN")
                  .doesNotContain("sbp_wrong_token");
            });
    assertThat(fake.projects).isEmpty();
    // No create was ever sent: the undo has nothing to delete and finishes without the API.
    int calls = fake.calls.size();
    fx.activities.database().dropDatabase(in);
    assertThat(fake.calls).hasSize(calls);
    assertThat(logs.list.stream().map(ILoggingEvent::getFormattedMessage))
        .noneMatch(m -> m.contains("sbp_wrong_token"));
  }

  @Test
  void settingsRefuseTheSupabaseDefaultWithoutToken() {
    assertThatThrownBy(
            () ->
                SupabaseSettings.fromEnvironment(Map.of("TASKIFAI_DATABASE_PROVIDER", "supabase")))
        .hasMessageContaining("TASKIFAI_SUPABASE_ACCESS_TOKEN");
    assertThatThrownBy(
            () -> SupabaseSettings.fromEnvironment(Map.of("TASKIFAI_DATABASE_PROVIDER", "mysql")))
        .hasMessageContaining("'postgres' or 'supabase'");
    SupabaseSettings s =
        SupabaseSettings.fromEnvironment(
            Map.of(SupabaseSettings.ENV_TOKEN, TOKEN, "TASKIFAI_SUPABASE_ORGANIZATION", "o"));
    assertThat(s.enabled()).isTrue();
    assertThat(s.toString()).doesNotContain(TOKEN);
  }

  private void assertNoSecretLeaked(
      ActivitiesFixture fx, StepInput in, FakeSupabase.Project project) {
    List<String> texts = new ArrayList<>(errors);
    logs.list.forEach(e -> texts.add(e.getFormattedMessage()));
    texts.addAll(fx.auditRows(in.tenantId()));
    for (String secret : new String[] {TOKEN, project.dbPass, project.serviceKey}) {
      assertThat(texts).noneMatch(t -> t != null && t.contains(secret));
    }
  }
}
