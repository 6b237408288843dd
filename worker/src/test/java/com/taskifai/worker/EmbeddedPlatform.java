package com.taskifai.worker;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * Everything the worker needs, real and local: a migrated platform database with one database
 * server row (the embedded PostgreSQL itself), GreenMail SMTP, and the Temporal test server on a
 * TCP port in real time. {@link #env} is the environment a worker process reads.
 */
final class EmbeddedPlatform implements AutoCloseable {

  final TestPostgres.Platform platform;
  final String masterKeys;
  final CredentialCipher cipher;
  final GreenMail smtp;
  final WorkflowClient client;
  final Map<String, String> env = new HashMap<>();
  private final TestServer.PortBoundTestServer temporal;
  private final WorkflowServiceStubs service;

  EmbeddedPlatform() {
    platform = TestPostgres.platform();
    masterKeys = KeyRing.newKeyEntry("e2e1");
    cipher = new CredentialCipher(KeyRing.parse(masterKeys));
    new DatabaseServers(platform.platform())
        .upsert(
            cipher,
            "local-1",
            "local",
            TestPostgres.jdbcUrl("postgres"),
            "postgres",
            TestPostgres.superuserPassword(),
            500);

    int smtpPort = freePort();
    smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();

    int temporalPort = freePort();
    temporal = TestServer.createPortBoundServer(temporalPort);
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + temporalPort)
                .build());
    client = WorkflowClient.newInstance(service);

    // A dev process: without it WorkerMain's production checks refuse this test platform.
    env.put(ProductionSettings.ENV, ProductionSettings.DEV);
    env.put("TASKIFAI_TEMPORAL_TARGET", "127.0.0.1:" + temporalPort);
    env.put("TASKIFAI_TEMPORAL_EMBEDDED", "true");
    env.put("TASKIFAI_DB_URL", platform.jdbcUrl());
    env.put("TASKIFAI_DB_USER", platform.role());
    env.put("TASKIFAI_DB_PASSWORD", TestPostgres.PLATFORM_PASSWORD);
    env.put("TASKIFAI_MASTER_KEYS", masterKeys);
    env.put("TASKIFAI_SMTP_HOST", "127.0.0.1");
    env.put("TASKIFAI_SMTP_PORT", String.valueOf(smtpPort));
    env.put("TASKIFAI_DNS_PROVIDER", "local");
  }

  /** A worker in this JVM on the real activities; the caller starts and closes it. */
  PlatformWorker worker(PlatformActivities activities) {
    return PlatformWorker.create(
        client, activities.implementations(), PlatformWorker.interceptors(activities, true), true);
  }

  ProvisionTenantWorkflow startProvisioning(UUID tenantId, String subdomain, String injectFault) {
    return startProvisioning(tenantId, subdomain, injectFault, "local");
  }

  /** Starts provisioning a tenant onto a server of {@code region}. */
  ProvisionTenantWorkflow startProvisioning(
      UUID tenantId, String subdomain, String injectFault, String region) {
    return startProvisioning(
        new ProvisionTenantRequest(
            tenantId,
            subdomain,
            "Company " + subdomain,
            "admin@" + subdomain + ".test",
            region,
            "e2e-test",
            Duration.ofMinutes(10)),
        injectFault);
  }

  /** Starts provisioning a trial tenant (in the shared trial database). */
  ProvisionTenantWorkflow startTrialProvisioning(
      UUID tenantId, String subdomain, String injectFault) {
    return startProvisioning(
        new ProvisionTenantRequest(
            tenantId,
            subdomain,
            "Trial " + subdomain,
            "admin@" + subdomain + ".test",
            "local",
            "e2e-test",
            Duration.ofMinutes(10),
            null,
            "trial"),
        injectFault);
  }

  private ProvisionTenantWorkflow startProvisioning(
      ProvisionTenantRequest request, String injectFault) {
    ProvisionTenantWorkflow flow =
        client.newWorkflowStub(
            ProvisionTenantWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
                .setWorkflowId(ProvisionTenantWorkflow.workflowId(request.subdomain()))
                .setMemo(FaultInjection.memo(injectFault))
                .build());
    WorkflowClient.start(flow::provision, request);
    return flow;
  }

  /** Closes each non-null part, in the order given. */
  static void closeAll(AutoCloseable... parts) throws Exception {
    for (AutoCloseable part : parts) {
      if (part != null) {
        part.close();
      }
    }
  }

  static ProvisioningProgress awaitProgress(
      ProvisionTenantWorkflow flow, Predicate<ProvisioningProgress> done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ProvisioningProgress progress = flow.progress();
    while (!done.test(progress)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("provisioning did not get there in " + timeout + ": " + progress);
      }
      Thread.sleep(20);
      progress = flow.progress();
    }
    return progress;
  }

  static String databaseName(UUID tenantId) {
    return "tenant_" + tenantId.toString().replace("-", "");
  }

  static String rolePrefix(UUID tenantId) {
    return "t_" + tenantId.toString().replace("-", "").substring(0, 12);
  }

  /** The first column of the first row of a query with text parameters. */
  static long count(DataSource db, String sql, String... params) {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    service.shutdown();
    temporal.close();
    smtp.stop();
  }
}
