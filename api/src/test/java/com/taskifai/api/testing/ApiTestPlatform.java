package com.taskifai.api.testing;

import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.database.TenantDatabaseInventory;
import com.taskifai.activities.dns.LocalDnsProvider;
import com.taskifai.activities.reconcile.FleetActivitiesImpl;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflowImpl;
import com.taskifai.workflows.reconcile.RemoveOrphanWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The real parts the API tests run against: a migrated platform database on embedded PostgreSQL,
 * the Temporal test server bound to a port (the API connects to it by target, as in production),
 * and a worker with the test-double tenant workflows and the real fleet reconciler on the platform
 * task queue. One per test JVM.
 */
public final class ApiTestPlatform {
  public static final String JWT_SECRET = "api-test-admin-jwt-secret";
  private static ApiTestPlatform instance;

  public final TestPostgres.Platform db;
  public final String masterKeys = KeyRing.newKeyEntry("test1");
  public final String temporalTarget;
  public final WorkflowClient client;

  private ApiTestPlatform() {
    db = TestPostgres.platform();
    int port = freePort();
    TestServer.createPortBoundServer(port);
    temporalTarget = "127.0.0.1:" + port;
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporalTarget).build());
    client = WorkflowClient.newInstance(stubs);
    WorkerFactory factory =
        WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder().build());
    Worker worker = factory.newWorker(ProvisionTenantWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(
        ProvisionTenantWorkflowDouble.class,
        LifecycleWorkflowDoubles.Suspend.class,
        LifecycleWorkflowDoubles.Reactivate.class,
        LifecycleWorkflowDoubles.Offboard.class,
        ReconcileFleetWorkflowImpl.class,
        RemoveOrphanWorkflowImpl.class,
        MigrateFleetWorkflowDouble.class);
    worker.registerActivitiesImplementations(
        new RegistryDoubleActivitiesImpl(
            new TenantRegistry(db.platform()), new AuditLog(db.platform())),
        fleetActivities());
    factory.start();
    // Tenants of the default region find room (POST /admin/tenants checks before it starts). Other
    // tests register the same cluster under ids of their own.
    new DatabaseServers(db.platform())
        .upsert(
            new CredentialCipher(KeyRing.parse(masterKeys)),
            "zz-api-test-local",
            "local",
            com.taskifai.registry.testing.TestPostgres.jdbcUrl("postgres"),
            "postgres",
            com.taskifai.registry.testing.TestPostgres.superuserPassword(),
            100_000);
  }

  /** The real fleet reconciler's activities on this platform (stalled tenants count at once). */
  private FleetActivitiesImpl fleetActivities() {
    CredentialCipher cipher = new CredentialCipher(KeyRing.parse(masterKeys));
    return new FleetActivitiesImpl(
        new TenantRegistry(db.platform()),
        new DatabaseServers(db.platform()),
        new TenantDatabaseInventory(
            new com.taskifai.activities.database.ServerAccess(
                new TenantRegistry(db.platform()), new DatabaseServers(db.platform()), cipher)),
        new LocalDnsProvider(db.platform(), "127.0.0.1", 60),
        new StagedSecrets(db.platform(), cipher),
        new ReconcileReports(db.platform()),
        new AuditLog(db.platform()),
        new SubdomainRules("localhost"),
        Duration.ZERO,
        Clock.systemUTC(),
        null,
        null);
  }

  /** The shared platform, started on first use. */
  public static synchronized ApiTestPlatform get() {
    if (instance == null) {
      instance = new ApiTestPlatform();
    }
    return instance;
  }

  /** The API's settings for this platform. */
  public void register(DynamicPropertyRegistry props) {
    sayDev(props);
    props.add("taskifai.db.url", () -> db.jdbcUrl());
    props.add("taskifai.db.username", () -> db.role());
    props.add("taskifai.db.password", () -> TestPostgres.PLATFORM_PASSWORD);
    props.add("taskifai.master-keys", () -> masterKeys);
    props.add("taskifai.temporal.target", () -> temporalTarget);
    props.add("taskifai.admin-jwt-secret", () -> JWT_SECRET);
    // A random management port: other tests run at the same time; tests read @LocalManagementPort.
    props.add("management.server.port", () -> "0");
  }

  /**
   * Marks the API under test a dev process: without it the production checks run (secure by
   * default) and refuse the test platform's inline keys and plain Temporal. Every test that starts
   * the API says so through here.
   */
  public static void sayDev(DynamicPropertyRegistry props) {
    props.add("taskifai.env", () -> com.taskifai.registry.settings.ProductionSettings.DEV);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
