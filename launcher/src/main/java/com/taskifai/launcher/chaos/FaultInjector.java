package com.taskifai.launcher.chaos;

import com.taskifai.launcher.PlatformControl;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Injects faults one after another, as the seed decides: first every selected kind once in a seeded
 * order (so a short run has each kind), then kinds at random. Each fault is injected, ended (the
 * process restarted, the server started again), and then the affected path is probed until it
 * succeeds: the recovery time is from the fault's end to that first success.
 */
final class FaultInjector {
  /** How long the affected path may take to work again after a fault ends. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(150);

  private static final Duration RESTART_LIMIT = Duration.ofSeconds(180);

  private final PlatformControl platform;
  private final ChaosMail mail;
  private final Workload workload;
  private final PlatformClient client;
  private final RegistryView registry;
  private final ChaosReport report;
  private final List<FaultKind> kinds;
  private final Random random;

  FaultInjector(
      PlatformControl platform,
      ChaosMail mail,
      Workload workload,
      PlatformClient client,
      RegistryView registry,
      ChaosReport report,
      ChaosOptions options) {
    this.platform = platform;
    this.mail = mail;
    this.workload = workload;
    this.client = client;
    this.registry = registry;
    this.report = report;
    this.kinds = List.copyOf(options.faults());
    this.random = new Random(options.seed());
  }

  /** Injects faults until {@code stop}; each selected kind at least once if time allows. */
  void run(BooleanSupplier stop) throws InterruptedException {
    List<FaultKind> first = new ArrayList<>(kinds);
    Collections.shuffle(first, random);
    while (!stop.getAsBoolean()) {
      FaultKind kind = first.isEmpty() ? kinds.get(random.nextInt(kinds.size())) : first.remove(0);
      try {
        inject(kind);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        report.violation("fault-injection", kind + " could not be injected or ended: " + e);
      }
      Thread.sleep(1000 + random.nextInt(3000));
    }
  }

  /** Every selected kind injected at least once. */
  boolean injectedEveryKind() {
    return kinds.stream().allMatch(k -> report.faults().stream().anyMatch(f -> f.kind() == k));
  }

  private void inject(FaultKind kind) throws Exception {
    Instant start = Instant.now();
    String target;
    String note = "";
    Instant end;
    switch (kind) {
      case KILL_WORKER, KILL_ROUTER, KILL_API -> {
        target =
            switch (kind) {
              case KILL_WORKER -> "worker-" + (1 + random.nextInt(2));
              case KILL_ROUTER -> "router-" + (1 + random.nextInt(2));
              default -> "api";
            };
        long pid = platform.pid(target);
        platform.kill(target);
        Thread.sleep(500 + random.nextInt(1500));
        end = Instant.now();
        boolean ready = platform.restart(target, RESTART_LIMIT);
        note = "SIGKILL pid " + pid + (ready ? "" : "; not ready within " + RESTART_LIMIT);
      }
      case PAUSE -> {
        List<String> processes = platform.processes();
        target = processes.get(random.nextInt(processes.size()));
        long millis = 2000 + random.nextInt(4000);
        platform.pause(target);
        try {
          Thread.sleep(millis);
        } finally {
          platform.resume(target);
        }
        end = Instant.now();
        note = "SIGSTOP " + millis + " ms";
      }
      case TEMPORAL_RESTART -> {
        target = "temporal";
        platform.killTemporal();
        Thread.sleep(500 + random.nextInt(2000));
        end = Instant.now();
        platform.startTemporal();
      }
      case TENANT_DB, REGISTRY_DB -> {
        target = kind == FaultKind.TENANT_DB ? "local-2" : "local-1";
        long millis = 2000 + random.nextInt(5000);
        platform.stopDatabase(target);
        try {
          Thread.sleep(millis);
        } finally {
          end = Instant.now();
          platform.startDatabase(target);
        }
        note = "stopped " + millis + " ms";
      }
      case SMTP -> {
        target = "smtp";
        long millis = 2000 + random.nextInt(5000);
        mail.stop();
        try {
          Thread.sleep(millis);
        } finally {
          end = Instant.now();
          mail.start();
        }
        note = "down " + millis + " ms";
      }
      default -> throw new IllegalStateException("unknown fault " + kind);
    }
    String probe = probeOf(kind, target);
    Instant recovered = probe(probe, target);
    ChaosReport.Fault f = new ChaosReport.Fault(kind, target, start, end, probe, recovered, note);
    report.fault(f);
    report.log(
        "+%ds %s %s (%s): %s",
        Duration.between(report.started(), start).toSeconds(),
        kind,
        target,
        note,
        recovered == null ? "NOT recovered" : "recovered in " + f.recovery().toMillis() + " ms");
    if (recovered == null) {
      report.violation(
          "recovery",
          kind + " of " + target + ": " + probe + " did not succeed within " + RECOVERY_BOUND);
    }
  }

  /** The path a fault affects, which must work again after it. */
  private static String probeOf(FaultKind kind, String target) {
    return switch (kind) {
      case KILL_ROUTER -> "write through " + target;
      case KILL_API -> "admin API";
      case PAUSE ->
          target.startsWith("router")
              ? "write through " + target
              : target.equals("api") ? "admin API" : "provisioning to ACTIVE";
      case TENANT_DB -> "write to a tenant on local-2";
      case REGISTRY_DB -> "admin API and a write to a tenant on local-1";
      default -> "provisioning to ACTIVE";
    };
  }

  /** Probes until the path works; the time of the first success, null when none came in time. */
  private Instant probe(String probe, String target) throws InterruptedException {
    long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
    if (probe.startsWith("provisioning")) {
      return workload.provision(random.nextBoolean(), "probe-provision", RECOVERY_BOUND).isPresent()
          ? Instant.now()
          : null;
    }
    while (System.nanoTime() < deadline) {
      if (succeeds(probe, target)) {
        return Instant.now();
      }
      Thread.sleep(100);
    }
    return null;
  }

  private boolean succeeds(String probe, String target) throws InterruptedException {
    if (probe.equals("admin API")) {
      return client.admin("GET", "/admin/tenants?size=1", null).ok();
    }
    if (probe.startsWith("write through")) {
      int port = routerPort(target);
      ChaosTenant t = anyTenant(null);
      return t == null || workload.write(t, port).ok();
    }
    if (probe.startsWith("admin API and")) {
      if (!client.admin("GET", "/admin/tenants?size=1", null).ok()) {
        return false;
      }
    }
    String server = probe.endsWith("local-2") ? "local-2" : "local-1";
    ChaosTenant t = anyTenant(server);
    if (t == null) {
      return true;
    }
    return workload.write(t, workload.port(random)).ok();
  }

  private int routerPort(String router) {
    return workload.routerPort(router.equals("router-1") ? 0 : 1);
  }

  /** A live, ACTIVE tenant (on {@code server} when given), or null when there is none. */
  private ChaosTenant anyTenant(String server) {
    for (ChaosTenant t : workload.live()) {
      var row = registry.find(t.id);
      if (row.isPresent()
          && row.get().status().equals("ACTIVE")
          && row.get().operation() == null
          && (server == null || server.equals(row.get().server()))) {
        return t;
      }
    }
    return null;
  }

  /** Resumes every process, so nothing stays stopped when the run ends early. */
  void resumeEverything() {
    for (String p : platform.processes()) {
      try {
        platform.resume(p);
      } catch (Exception e) {
        // gone already
      }
    }
  }
}
