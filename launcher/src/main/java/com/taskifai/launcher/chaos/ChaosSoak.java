package com.taskifai.launcher.chaos;

import com.taskifai.launcher.PlatformControl;
import com.taskifai.workflows.client.TemporalConnection;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./taskifai chaos [--minutes M] [--seed S] [--faults LIST]}: the production shape of {@code
 * ./taskifai up} on this machine (two workers, two routers, the admin API, the Temporal CLI server,
 * two embedded PostgreSQL servers, an SMTP server), a seeded {@link Workload} against it, seeded
 * faults ({@link FaultInjector}) for M minutes, then the {@link Invariants} after a settle bound,
 * and a {@link ChaosReport} in the run folder. Exits 1 when any invariant did not hold.
 */
public final class ChaosSoak {
  private final ChaosOptions options;

  public ChaosSoak(ChaosOptions options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    ChaosOptions options;
    try {
      options = ChaosOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("taskifai chaos: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.runFolder() == null) {
      String stamp =
          DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
              .withZone(ZoneOffset.UTC)
              .format(Instant.now());
      options =
          options.inFolder(
              Path.of(".taskifai", "chaos", stamp + "-seed" + options.seed()).toAbsolutePath());
    }
    ChaosReport report = new ChaosSoak(options).run();
    System.out.println(report.markdown());
    System.out.println("report: " + options.runFolder().resolve("chaos-report.md"));
    System.out.flush();
    System.exit(report.violations().isEmpty() ? 0 : 1);
  }

  /** Runs the soak and writes its report into the run folder. */
  public ChaosReport run() throws Exception {
    Path folder = options.runFolder();
    Files.createDirectories(folder);
    ChaosReport report = new ChaosReport(options);
    this.report = report;
    Map<String, String> env = environment(folder);
    if (options.lanes()) {
      log(
          "seed %d, %s of faults (%s), each kind in a lane of its own, %d of each, run folder %s",
          options.seed(), options.duration(), options.faults(), options.perKind(), folder);
    } else {
      log(
          "seed %d, %s of faults (%s), up to %d at once, one every %s on average, run folder %s",
          options.seed(),
          options.duration(),
          options.faults(),
          options.overlap(),
          options.faultEvery(),
          folder);
    }
    try (ChaosMail mail = new ChaosMail(Integer.parseInt(env.get("TASKIFAI_SMTP_PORT")));
        PlatformControl platform =
            PlatformControl.startProductionShape(env, folder.resolve("platform"))) {
      Map<String, String> settings = platform.settings();
      String namespace = TemporalConnection.fromEnvironment(env).namespace();
      WorkflowServiceStubs temporal =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget(settings.get("TASKIFAI_TEMPORAL_TARGET"))
                  .build());
      FaultInjector faults = null;
      try {
        PlatformClient client = new PlatformClient(settings);
        if (!client.login()) {
          throw new IllegalStateException("the platform admin could not sign in");
        }
        RegistryView registry = new RegistryView(settings);
        Ledger ledger = new Ledger();
        List<Integer> routers =
            List.of(
                Integer.parseInt(env.get("TASKIFAI_ROUTER_PORT")),
                Integer.parseInt(env.get("TASKIFAI_ROUTER2_PORT")));
        Workload workload =
            new Workload(
                client,
                mail,
                registry,
                temporal,
                namespace,
                routers,
                ledger,
                report,
                options.seed());
        Invariants invariants =
            new Invariants(
                platform, client, registry, temporal, namespace, workload, ledger, report);
        log("platform up; first tenants");
        firstTenants(workload);
        log("%d tenants; faults and workload for %s", workload.live().size(), options.duration());

        AtomicBoolean stop = new AtomicBoolean();
        long faultsEnd = System.nanoTime() + options.duration().toNanos();
        Thread load =
            new Thread(
                () -> {
                  try {
                    workload.run(options.workers(), stop::get);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "chaos-workload");
        Thread checks =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    try {
                      invariants.checkWhileRunning();
                      Thread.sleep(5000);
                    } catch (InterruptedException e) {
                      return;
                    } catch (RuntimeException e) {
                      System.err.println("chaos: check threw " + e);
                    }
                  }
                },
                "chaos-checks");
        load.setDaemon(true);
        checks.setDaemon(true);
        load.start();
        checks.start();
        faults = new FaultInjector(platform, mail, workload, client, registry, report, options);
        try {
          faults.run(() -> System.nanoTime() > faultsEnd);
        } finally {
          report.faultsStopped();
          faults.resumeEverything();
          stop.set(true);
        }
        log("faults stopped (%d); waiting for the workload", report.faults().size());
        load.join(Duration.ofSeconds(90).toMillis());
        checks.join(Duration.ofSeconds(20).toMillis());
        log("settling (up to %s)", options.settle());
        invariants.settle(options.settle());
        log("checking the ledger (%d writes) and isolation", ledger.size());
        invariants.ledgerAndIsolation(routers.get(0));
        invariants.noOrphans();
        invariants.noFailedWorkflows();
        invariants.routersAtTheEnd();
        report.fact("tenants_made", workload.tenants.size());
        report.fact("writes_sent", ledger.size());
        report.fact("writes_acknowledged", ledger.acknowledged());
        report.fact("every_fault_kind_injected", faults.injectedEveryKind());
      } finally {
        if (faults != null) {
          faults.resumeEverything();
        }
        temporal.shutdownNow();
      }
    } finally {
      report.finished();
      report.write(folder);
      log(
          "%d violations; report in %s",
          report.violations().size(), folder.resolve("chaos-report.md"));
    }
    return report;
  }

  /** Two dedicated tenants and a trial, made at once before the faults start. */
  private void firstTenants(Workload workload) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    boolean[] trials = {false, false, true};
    for (boolean trial : trials) {
      Thread t =
          new Thread(
              () -> {
                try {
                  workload.provision(trial, "setup", Duration.ofMinutes(3));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (workload.live().isEmpty()) {
      throw new IllegalStateException("no tenant could be made before the faults started");
    }
  }

  /**
   * The platform's environment: the Temporal CLI, two database servers in one region (so a drain
   * can move tenants), the chaos JVM's SMTP server, no demo tenant, free ports for everything.
   */
  private static Map<String, String> environment(Path folder) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String key :
        List.of(
            "PATH",
            "HOME",
            "GOPATH",
            "TASKIFAI_TEMPORAL_CLI",
            "TASKIFAI_CHILD_JAVA_OPTS",
            "TASKIFAI_ROUTER_CDS")) {
      String v = System.getenv(key);
      if (v != null) {
        env.put(key, v);
      }
    }
    env.put("TASKIFAI_TEMPORAL", "cli");
    env.put("TASKIFAI_DEV_SERVERS", "2");
    env.put("TASKIFAI_DEV_SERVER2_REGION", "local");
    env.put("TASKIFAI_DEV_DEMO", "false");
    env.put("TASKIFAI_BACKUP_DIR", folder.resolve("backups").toString());
    env.put("TASKIFAI_SMTP_HOST", "127.0.0.1");
    env.putIfAbsent(
        "TASKIFAI_CHILD_JAVA_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx384m -Xss512k");
    List<String> ports =
        List.of(
            "TASKIFAI_ADMIN_PORT",
            "TASKIFAI_ROUTER_PORT",
            "TASKIFAI_ROUTER2_PORT",
            "TASKIFAI_ADMIN_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER_MANAGEMENT_PORT",
            "TASKIFAI_ROUTER2_MANAGEMENT_PORT",
            "TASKIFAI_WORKER_MANAGEMENT_PORT",
            "TASKIFAI_WORKER2_MANAGEMENT_PORT",
            "TASKIFAI_PG_PORT",
            "TASKIFAI_PG2_PORT",
            "TASKIFAI_TEMPORAL_PORT",
            "TASKIFAI_TEMPORAL_UI_PORT",
            "TASKIFAI_SMTP_PORT");
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (String key : ports) {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        held.add(s);
        env.put(key, Integer.toString(s.getLocalPort()));
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return env;
  }

  private ChaosReport report;

  private void log(String format, Object... args) {
    report.log(format, args);
  }
}
