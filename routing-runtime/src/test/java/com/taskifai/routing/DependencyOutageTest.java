package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.PlatformDatabase;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.auth.TenantTokens;
import com.taskifai.routing.tenancy.TenantPools;
import com.taskifai.tenantschema.SetPasswordTokens;
import com.taskifai.tenantschema.TenantSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The router while a PostgreSQL server it needs is stopped, and after it is started again on the
 * same port and data: the platform database (the registry) on a server of its own, and one tenant's
 * database on another. Nothing is restarted but the stopped server.
 */
class DependencyOutageTest {
  static Server registryServer;
  static Server tenantServer;
  static TenantFixture fixture;
  static RouterApp app;

  /** An embedded PostgreSQL that can be stopped and started again on its port and data folder. */
  static final class Server implements AutoCloseable {
    final Path data;
    final int port;
    EmbeddedPostgres pg;

    Server(String name) throws IOException {
      data = Files.createTempDirectory("outage-" + name);
      port = freePort();
      start();
    }

    void start() throws IOException {
      pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(data)
              .setCleanDataDirectory(false)
              .setPort(port)
              .start();
    }

    void stop() throws IOException {
      pg.close();
      pg = null;
    }

    DataSource superuser(String database) {
      return pg.getDatabase("postgres", database);
    }

    String jdbcUrl(String database) {
      return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public void close() throws IOException {
      if (pg != null) {
        stop();
      }
    }
  }

  @BeforeAll
  static void start() throws IOException {
    registryServer = new Server("registry");
    tenantServer = new Server("tenant");
    String role = "platform_" + UUID.randomUUID().toString().substring(0, 8);
    PlatformDatabase.ensureDatabaseAndRole(
        registryServer.superuser("postgres"), "taskifai", role, TestPostgres.PLATFORM_PASSWORD);
    PlatformDatabase.migrate(registryServer.superuser("taskifai"), role);
    PGSimpleDataSource platform = new PGSimpleDataSource();
    platform.setUrl(registryServer.jdbcUrl("taskifai"));
    platform.setUser(role);
    platform.setPassword(TestPostgres.PLATFORM_PASSWORD);
    fixture =
        new TenantFixture(
            new TestPostgres.Platform(
                "taskifai",
                role,
                registryServer.jdbcUrl("taskifai"),
                registryServer.superuser("taskifai"),
                platform));
    app = new RouterApp(fixture, Map.of("taskifai.pool.connection-timeout", "PT1S"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (app != null) {
      app.close();
    }
    if (registryServer != null) {
      registryServer.close();
    }
    if (tenantServer != null) {
      tenantServer.close();
    }
  }

  private static String token(UUID tenantId, UUID userId) {
    return app.bean(TenantTokens.class).issue(tenantId, userId, "admin", Instant.now());
  }

  private static RouterApp.Response products(String subdomain, String token) {
    return app.get(subdomain + ".localhost", "/api/products", token);
  }

  @Test
  void registryDownCachedTenantsAre200UncachedOnes503AndAllAnswerAfterItsRestart()
      throws Exception {
    TenantFixture.TestTenant cached = fixture.createFromTemplate(TenantFixture.subdomain("cached"));
    TenantFixture.TestTenant uncached =
        fixture.createFromTemplate(TenantFixture.subdomain("uncached"));
    String cachedToken = token(cached.id(), cached.adminId());
    String uncachedToken = token(uncached.id(), uncached.adminId());
    assertThat(products(cached.subdomain(), cachedToken).status()).isEqualTo(200);
    assertThat(healthOf("registry")).isEqualTo("UP");

    registryServer.stop();

    for (int i = 0; i < 5; i++) {
      RouterApp.Response r = products(cached.subdomain(), cachedToken);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
    long started = System.nanoTime();
    RouterApp.Response refused = products(uncached.subdomain(), uncachedToken);
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.println("uncached tenant with the registry down answered in " + millis + " ms");
    assertThat(refused.status()).as(refused.body()).isEqualTo(503);
    assertThat(refused.header("Retry-After")).isNotBlank();
    assertThat(refused.json().get("error").asString()).isEqualTo("unavailable");
    assertThat(millis).isLessThan(5_000);
    // Right after a failed lookup, the next one fails at once instead of waiting again.
    long again = System.nanoTime();
    assertThat(products(uncached.subdomain(), uncachedToken).status()).isEqualTo(503);
    assertThat((System.nanoTime() - again) / 1_000_000).isLessThan(1_000);
    // The main port says the overall status only; the management port has the components.
    assertThat(app.get("localhost", "/actuator/health", null).status()).isEqualTo(503);
    RouterApp.Response health = app.management("/actuator/health");
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.json().at("/components/registry/status").asString()).isEqualTo("DOWN");
    assertThat(app.get("localhost", "/livez", null).status()).isEqualTo(200);
    assertThat(app.management("/actuator/health/liveness").status()).isEqualTo(200);
    assertThat(app.management("/actuator/prometheus").body())
        .containsPattern("taskifai_dependency_up\\{[^}]*dependency=\"registry\"[^}]*\\} 0\\.0");

    registryServer.start();

    awaitTrue(
        "the uncached tenant to answer after the registry restart",
        Duration.ofSeconds(30),
        () -> products(uncached.subdomain(), uncachedToken).status() == 200);
    assertThat(products(cached.subdomain(), cachedToken).status()).isEqualTo(200);
    assertThat(healthOf("registry")).isEqualTo("UP");
  }

  @Test
  void aTenantWhoseServerIsDownAnswers503AndIsBackedOffWhileOthersAnswer() throws Exception {
    TenantFixture.TestTenant other = fixture.createFromTemplate(TenantFixture.subdomain("other"));
    Remote remote = tenantOnItsOwnServer(TenantFixture.subdomain("remote"));
    String otherToken = token(other.id(), other.adminId());
    String remoteToken = token(remote.id(), remote.adminId());
    assertThat(products(remote.subdomain(), remoteToken).status()).isEqualTo(200);

    tenantServer.stop();

    long started = System.nanoTime();
    RouterApp.Response down = products(remote.subdomain(), remoteToken);
    long firstMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(down.status()).as(down.body()).isEqualTo(503);
    assertThat(down.json().get("error").asString()).isEqualTo("unavailable");
    assertThat(Integer.parseInt(down.header("Retry-After"))).isPositive();
    assertThat(firstMillis).isLessThan(5_000);
    // Backed off: most requests fail at once instead of each waiting up to the connection timeout
    // (1 s here) for a server that is not there; 20 of them take far less than 20 s.
    long burst = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      RouterApp.Response r = products(remote.subdomain(), remoteToken);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isNotBlank();
    }
    long burstMillis = (System.nanoTime() - burst) / 1_000_000;
    System.out.println("20 requests to a tenant whose server is down: " + burstMillis + " ms");
    assertThat(burstMillis).isLessThan(10_000);
    assertThat(app.bean(TenantPools.class).unreachableDatabases()).isPositive();
    // A tenant on another server does not notice.
    assertThat(products(other.subdomain(), otherToken).status()).isEqualTo(200);

    tenantServer.start();

    awaitTrue(
        "the tenant to answer after its server restarted",
        Duration.ofSeconds(30),
        () -> products(remote.subdomain(), remoteToken).status() == 200);
    assertThat(app.bean(TenantPools.class).unreachableDatabases()).isZero();
  }

  @Test
  void aLoginTheServerNeverAnswersIsGivenUpAfterTheConnectionTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      String subdomain = TenantFixture.subdomain("silent");
      UUID id = UUID.randomUUID();
      registerActive(
          id,
          subdomain,
          "tenant_silent",
          new TenantCredentials(
              "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/tenant_silent",
              "t_silent_app",
              UUID.randomUUID().toString()));
      String silentToken = token(id, UUID.randomUUID());
      var answer =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> products(subdomain, silentToken));
      // The server accepts the connection and never says a word: the login must be given up
      // (socket timeout = the pool's connection timeout, 1 s here), not wait forever.
      silent.setSoTimeout(10_000);
      try (java.net.Socket accepted = silent.accept()) {
        long accepted0 = System.nanoTime();
        accepted.setSoTimeout(10_000);
        byte[] buffer = new byte[256];
        while (accepted.getInputStream().read(buffer) >= 0) {
          // the startup or SSL request; then nothing until the router gives up
        }
        long millis = (System.nanoTime() - accepted0) / 1_000_000;
        System.out.println(
            "a login the server never answered was given up after " + millis + " ms");
        assertThat(millis).isLessThan(5_000);
      }
      RouterApp.Response r = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.status()).as(r.body()).isEqualTo(503);
    }
  }

  @Test
  void aQueryMayRunLongerThanTheTimeoutThatBoundsTheLogin() throws Exception {
    TenantFixture.TestTenant slow = fixture.createFromTemplate(TenantFixture.subdomain("slow"));
    com.taskifai.registry.Tenant tenant = fixture.registry.findById(slow.id()).orElseThrow();
    // The login is bounded by a socket timeout of 1 s (the connection timeout here); once logged
    // in, the connection has none, so a query of 1.5 s completes.
    try (java.sql.Connection c = app.bean(TenantPools.class).connection(tenant);
        java.sql.Statement st = c.createStatement()) {
      assertThat(c.getNetworkTimeout()).isZero();
      st.execute("SELECT pg_sleep(1.5)");
    }
  }

  /** Registers an ACTIVE tenant whose stored credentials are {@code credentials}. */
  private static void registerActive(
      UUID id, String subdomain, String database, TenantCredentials credentials) {
    TenantRegistry registry = fixture.registry;
    registry.reserve(
        new TenantRegistry.Reservation(
            id, subdomain, "Company " + subdomain, "admin@" + subdomain + ".test", "local"));
    registry.assignDatabase(id, null, database);
    registry.storeCredentials(id, credentials.encrypt(fixture.cipher, id));
    registry.setStatus(id, TenantStatus.ACTIVE);
  }

  private static String healthOf(String component) {
    return app.management("/actuator/health")
        .json()
        .at("/components/" + component + "/status")
        .asString();
  }

  record Remote(UUID id, String subdomain, UUID adminId) {}

  /** A tenant made as provisioning makes it, with its database on the tenant server. */
  private static Remote tenantOnItsOwnServer(String subdomain) {
    UUID id = UUID.randomUUID();
    String hex = id.toString().replace("-", "");
    String owner = "t_" + hex.substring(0, 12) + "_owner";
    String appRole = "t_" + hex.substring(0, 12) + "_app";
    String database = "tenant_" + hex;
    String appPassword = UUID.randomUUID().toString();
    DataSource cluster = tenantServer.superuser("postgres");
    TestPostgres.execute(
        cluster,
        "CREATE ROLE " + owner + " NOLOGIN",
        "CREATE DATABASE " + database,
        "REVOKE ALL ON DATABASE " + database + " FROM PUBLIC",
        "CREATE ROLE " + appRole + " LOGIN PASSWORD '" + appPassword + "'",
        "GRANT CONNECT ON DATABASE " + database + " TO " + appRole);
    DataSource admin = tenantServer.superuser(database);
    TenantSchema.migrate(admin, owner);
    TenantSchema.seedVendorConfigs(admin, owner);
    TenantSchema.applyRls(admin, owner);
    TenantSchema.grantAppRole(admin, owner, appRole);
    UUID adminId =
        TenantSchema.createAdminUser(
            admin,
            owner,
            "admin@" + subdomain + ".test",
            SetPasswordTokens.hash(SetPasswordTokens.newToken()),
            Instant.now().plus(1, ChronoUnit.DAYS));
    registerActive(
        id,
        subdomain,
        database,
        new TenantCredentials(tenantServer.jdbcUrl(database), appRole, appPassword));
    return new Remote(id, subdomain, adminId);
  }

  private static void awaitTrue(String what, Duration limit, BooleanSupplier probe)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!probe.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + limit.toSeconds() + " s for " + what);
      }
      Thread.sleep(250);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
