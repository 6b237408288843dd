package com.taskifai.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.workflows.WorkflowStatus;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The crash tests' shared set-up: an {@link EmbeddedPlatform} whose workers keep backups in a
 * folder of their own and inject a fault a workflow's memo asks for; a worker process ({@link
 * WorkerProcess}) whose steps get a heartbeat timeout of {@link #HEARTBEAT_TIMEOUT} ({@code
 * TASKIFAI_WORKER_HEARTBEAT_TIMEOUT}), so that the step it dies in is retried on the replacement
 * within seconds rather than after a production worker's 30 s; tenants provisioned with a worker in
 * the test's JVM; the kill; and the replacement worker.
 */
final class CrashRig implements AutoCloseable {
  /** The heartbeat timeout of every step the killed worker process schedules. */
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

  final EmbeddedPlatform embedded;
  final TenantRegistry registry;
  final TenantOperations operations;

  CrashRig() {
    embedded = new EmbeddedPlatform();
    try {
      embedded.env.put(
          "TASKIFAI_BACKUP_DIR", Files.createTempDirectory("taskifai-crash").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The :stall suffix holds the step's first attempt after its effect, long enough to kill.
    embedded.env.put(PlatformWorker.FAULT_INJECTION, "true");
    registry = new TenantRegistry(embedded.platform.platform());
    operations = new TenantOperations(embedded.platform.platform());
  }

  /**
   * Starts the worker process the test kills. Start it first: its JVM starts while the test
   * prepares the tenant with a worker in this JVM.
   */
  WorkerProcess startWorkerProcess() throws IOException {
    Map<String, String> env = new HashMap<>(embedded.env);
    env.put("TASKIFAI_WORKER_HEARTBEAT_TIMEOUT", HEARTBEAT_TIMEOUT.toString());
    // Not the default 8082: another worker on the machine may hold it.
    env.put("TASKIFAI_WORKER_MANAGEMENT_PORT", String.valueOf(EmbeddedPlatform.freePort()));
    return WorkerProcess.start("taskifai-worker", env);
  }

  /** A worker in this JVM on real activities, for {@code work}; closed after it. */
  <T> T withWorker(Callable<T> work) throws Exception {
    try (PlatformActivities activities = PlatformActivities.fromEnvironment(embedded.env);
        PlatformWorker worker = embedded.worker(activities)) {
      worker.start();
      return work.call();
    }
  }

  /** Provisions a dedicated tenant in {@code region} with a worker in this JVM; ACTIVE. */
  void provision(UUID tenant, String subdomain, String region) throws Exception {
    withWorker(
        () -> awaitActive(embedded.startProvisioning(tenant, subdomain, null, region), tenant));
  }

  /** Provisions a trial tenant (in the shared trial database) with a worker in this JVM. */
  void provisionTrial(UUID tenant, String subdomain) throws Exception {
    withWorker(() -> awaitActive(embedded.startTrialProvisioning(tenant, subdomain, null), tenant));
  }

  private static UUID awaitActive(ProvisionTenantWorkflow flow, UUID tenant) throws Exception {
    flow.emailVerified(new EmailVerified("e2e"));
    ProvisioningResult result =
        WorkflowStub.fromTyped(flow).getResult(90, TimeUnit.SECONDS, ProvisioningResult.class);
    assertThat(result.status()).as(result.toString()).isEqualTo(WorkflowStatus.ACTIVE);
    return tenant;
  }

  /**
   * Waits for the worker process to poll, runs {@code startAndWait} (which starts the work and
   * waits for the moment to kill), then kills the process with SIGKILL whatever happened, and
   * asserts it is gone; what {@code startAndWait} returned (the step it saw last).
   */
  static String killDuring(WorkerProcess child, Callable<String> startAndWait) throws Exception {
    String stepAtKill;
    try {
      child.awaitReady();
      stepAtKill = startAndWait.call();
    } finally {
      child.kill();
    }
    assertThat(child.isAlive()).isFalse();
    System.out.println("worker killed during " + stepAtKill);
    return stepAtKill;
  }

  /** A workflow's step by its progress query, or {@code first} while no worker answers it yet. */
  static String step(Supplier<String> progress, String first) {
    try {
      return progress.get();
    } catch (RuntimeException notYet) {
      return first;
    }
  }

  /** True when no operation holds the tenant (its claim was released). */
  boolean claimReleased(UUID tenant) {
    return operations.current(tenant).isEmpty();
  }

  @Override
  public void close() {
    embedded.close();
  }
}
