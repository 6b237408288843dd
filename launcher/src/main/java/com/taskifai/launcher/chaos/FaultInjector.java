package com.taskifai.launcher.chaos;

import com.taskifai.launcher.PlatformControl;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Injects faults as the seed decides, up to {@code --overlap} at once and one every {@code
 * --fault-every} on average: first every selected kind once in a seeded order (so a short run has
 * each kind), then kinds at random; never two faults on one target at once ({@link FaultTargets}).
 * With {@code --per-kind N} each kind runs in a lane of its own instead: a thread with its own
 * {@link Random} derived from the seed and the kind's name ({@link #laneRandom}), whose k-th fault
 * is due at k times the duration over N plus up to half that gap, or as soon as its previous fault
 * has recovered when that was later (so a slow recovery delays the lane without being measured
 * while the next fault of its kind runs, and quick ones catch up); a fault whose path did not work
 * again within the bound (a violation) holds its lane until the path works. Lanes share the
 * targets, so a lane waits while another kind's fault holds the target it drew. Each fault is
 * injected, ended (the process restarted, the server started again), and then the affected path is
 * probed until it succeeds: the recovery time is from that fault's end to that first success,
 * whatever else is down meanwhile.
 */
final class FaultInjector {
  /** How long the affected path may take to work again after a fault ends. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(150);

  private static final Duration RESTART_LIMIT = Duration.ofSeconds(180);

  private static final Pattern STARTED =
      Pattern.compile("Started \\S+ in ([0-9.]+) seconds \\(process running for ([0-9.]+)\\)");

  private final PlatformControl platform;
  private final ChaosMail mail;
  private final Workload workload;
  private final PlatformClient client;
  private final RegistryView registry;
  private final ChaosReport report;
  private final List<FaultKind> kinds;
  private final Random random;
  private final int overlap;
  private final Duration every;
  private final long seed;
  private final int perKind;
  private final Duration duration;
  private final FaultTargets targets = new FaultTargets();
  private final AtomicInteger mostAtOnce = new AtomicInteger();

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
    this.overlap = options.overlap();
    this.every = options.faultEvery();
    this.seed = options.seed();
    this.perKind = options.perKind();
    this.duration = options.duration();
  }

  /**
   * Injects faults until {@code stop}, each selected kind at least once if time allows, then waits
   * until the faults still running have ended and recovered.
   */
  void run(BooleanSupplier stop) throws InterruptedException {
    if (perKind > 0) {
      runLanes(stop);
      return;
    }
    List<FaultKind> first = new ArrayList<>(kinds);
    Collections.shuffle(first, random);
    Semaphore slots = new Semaphore(overlap);
    ExecutorService running = Executors.newFixedThreadPool(overlap);
    try {
      while (!stop.getAsBoolean()) {
        if (!slots.tryAcquire(250, TimeUnit.MILLISECONDS)) {
          continue;
        }
        Optional<Map.Entry<FaultKind, String>> next = next(first);
        if (next.isEmpty()) {
          slots.release();
          Thread.sleep(250);
          continue;
        }
        FaultKind kind = next.get().getKey();
        String target = next.get().getValue();
        Random own = new Random(random.nextLong());
        Set<String> alongside = new TreeSet<>(targets.held());
        alongside.remove(target);
        mostAtOnce.accumulateAndGet(alongside.size() + 1, Math::max);
        running.execute(
            () -> {
              try {
                inject(kind, target, String.join(" ", alongside), own);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                report.violation("fault-injection", kind + " could not be injected or ended: " + e);
              } finally {
                targets.release(target);
                slots.release();
              }
            });
        long mean = every.toMillis();
        Thread.sleep(mean / 2 + (long) (random.nextDouble() * mean));
      }
    } finally {
      running.shutdown();
      if (!running.awaitTermination(
          RESTART_LIMIT.plus(RECOVERY_BOUND).plusSeconds(60).toMillis(), TimeUnit.MILLISECONDS)) {
        report.violation("fault-injection", "a fault did not end within its bounds");
        running.shutdownNow();
      }
      report.fact("faults_at_once_most", mostAtOnce.get());
    }
  }

  /**
   * Every kind in a lane of its own, until each lane has injected {@code perKind} faults or {@code
   * stop}; then waits until the faults still running have ended and recovered.
   */
  private void runLanes(BooleanSupplier stop) throws InterruptedException {
    long start = System.nanoTime();
    ExecutorService lanes = Executors.newFixedThreadPool(kinds.size());
    try {
      for (FaultKind kind : kinds) {
        Random lane = laneRandom(seed, kind);
        lanes.execute(() -> lane(kind, lane, start, stop));
      }
    } finally {
      lanes.shutdown();
      while (!lanes.awaitTermination(1, TimeUnit.SECONDS)) {
        if (stop.getAsBoolean()) {
          if (!lanes.awaitTermination(
              RESTART_LIMIT.plus(RECOVERY_BOUND).plusSeconds(60).toMillis(),
              TimeUnit.MILLISECONDS)) {
            report.violation("fault-injection", "a fault did not end within its bounds");
            lanes.shutdownNow();
          }
          break;
        }
      }
      report.fact("faults_at_once_most", mostAtOnce.get());
    }
  }

  /** The random numbers of {@code kind}'s lane: the same seed gives each lane the same ones. */
  static Random laneRandom(long seed, FaultKind kind) {
    return new Random(seed * 31 + kind.option().hashCode());
  }

  /**
   * When the {@code k}-th fault of a lane is due, in nanoseconds after the lanes started: {@code k}
   * gaps of the duration over {@code perKind}, plus up to half a gap drawn from {@code random}.
   */
  static long laneDue(int k, Duration duration, int perKind, Random random) {
    long gap = duration.toNanos() / perKind;
    return k * gap + (long) (random.nextDouble() * gap / 2);
  }

  private void lane(FaultKind kind, Random random, long start, BooleanSupplier stop) {
    try {
      for (int k = 0; k < perKind && !stop.getAsBoolean(); k++) {
        long due = start + laneDue(k, duration, perKind, random);
        while (System.nanoTime() < due && !stop.getAsBoolean()) {
          Thread.sleep(Math.min(250, Math.max(1, (due - System.nanoTime()) / 1_000_000)));
        }
        Optional<String> claimed = targets.claim(kind, random);
        while (claimed.isEmpty() && !stop.getAsBoolean()) {
          Thread.sleep(100);
          claimed = targets.claim(kind, random);
        }
        if (claimed.isEmpty()) {
          return;
        }
        String target = claimed.get();
        Set<String> alongside = new TreeSet<>(targets.held());
        alongside.remove(target);
        mostAtOnce.accumulateAndGet(alongside.size() + 1, Math::max);
        try {
          Random own = new Random(random.nextLong());
          Instant since = Instant.now();
          if (!inject(kind, target, String.join(" ", alongside), own)) {
            String probe = probeOf(kind, target);
            Instant late =
                untilItWorks(() -> works(probe, target, own), stop, Duration.ofSeconds(1));
            report.log(
                "%s lane: %s %s",
                kind,
                probe,
                late == null
                    ? "still not working when the faults stopped"
                    : "worked again "
                        + Duration.between(since, late).toSeconds()
                        + " s after the fault began; next fault of the kind only now");
          }
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          report.violation("fault-injection", kind + " could not be injected or ended: " + e);
        } finally {
          targets.release(target);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The next fault and its target: the first kind not yet injected whose target is free, else a
   * kind at random with a free target; empty when every target of every kind is held.
   */
  private Optional<Map.Entry<FaultKind, String>> next(List<FaultKind> first) {
    for (FaultKind k : List.copyOf(first)) {
      Optional<String> t = targets.claim(k, random);
      if (t.isPresent()) {
        first.remove(k);
        return Optional.of(Map.entry(k, t.get()));
      }
    }
    List<FaultKind> order = new ArrayList<>(kinds);
    Collections.shuffle(order, random);
    for (FaultKind k : order) {
      Optional<String> t = targets.claim(k, random);
      if (t.isPresent()) {
        return Optional.of(Map.entry(k, t.get()));
      }
    }
    return Optional.empty();
  }

  /** Every selected kind injected at least once. */
  boolean injectedEveryKind() {
    return kinds.stream().allMatch(k -> report.faults().stream().anyMatch(f -> f.kind() == k));
  }

  /**
   * Injects one fault, ends it and probes its path; true when the path worked again within {@link
   * #RECOVERY_BOUND} (else the violation is in the report).
   */
  private boolean inject(FaultKind kind, String target, String alongside, Random random)
      throws Exception {
    Instant start = Instant.now();
    String note = "";
    Instant end;
    Instant ready = null;
    // When a restarted Temporal server listened again (its own start, not the platform's).
    Instant serverBack = null;
    switch (kind) {
      case KILL_WORKER, KILL_ROUTER, KILL_API -> {
        long pid = platform.pid(target);
        platform.kill(target);
        Thread.sleep(500 + random.nextInt(1500));
        end = Instant.now();
        boolean up = platform.restart(target, RESTART_LIMIT);
        ready = Instant.now();
        note = "SIGKILL pid " + pid + (up ? "" : "; not ready within " + RESTART_LIMIT);
      }
      case PAUSE -> {
        long millis = perKind > 0 ? 1000 + random.nextInt(2000) : 2000 + random.nextInt(4000);
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
        platform.killTemporal();
        Thread.sleep(500 + random.nextInt(2000));
        end = Instant.now();
        platform.startTemporal();
        serverBack = Instant.now();
      }
      case TENANT_DB, REGISTRY_DB -> {
        long millis = 2000 + random.nextInt(perKind > 0 ? 3000 : 5000);
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
        long millis = perKind > 0 ? 5000 : 2000 + random.nextInt(5000);
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
    Instant recovered = probe(probe, target, random);
    List<String> notes = new ArrayList<>();
    if (!note.isEmpty()) {
      notes.add(note);
    }
    if (ready != null) {
      notes.add(restartSplit(target, end, ready, recovered));
    }
    if (serverBack != null) {
      notes.add(
          "split ms: server start "
              + Duration.between(end, serverBack).toMillis()
              + (recovered == null
                  ? ""
                  : ", path " + Duration.between(serverBack, recovered).toMillis()));
    }
    if (!alongside.isEmpty()) {
      notes.add("alongside " + alongside);
    }
    note = String.join("; ", notes);
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
    return recovered != null;
  }

  /**
   * Waits until {@code works} (tried every {@code pause}) or {@code stop}: the time it first
   * worked, or null when stopped first. A lane whose fault did not recover within the bound waits
   * so before its next fault of that kind, rather than hitting a path that is still down again.
   */
  static Instant untilItWorks(BooleanSupplier works, BooleanSupplier stop, Duration pause)
      throws InterruptedException {
    while (!stop.getAsBoolean()) {
      if (works.getAsBoolean()) {
        return Instant.now();
      }
      Thread.sleep(pause.toMillis());
    }
    return null;
  }

  /**
   * Where a restarted process's recovery went, from its log's Spring start line: the JVM until
   * Spring starts, the Spring context, until the readiness probe answered, then the first success
   * of the path.
   */
  private String restartSplit(String target, Instant launched, Instant ready, Instant recovered) {
    long total = Duration.between(launched, ready).toMillis();
    String tail =
        recovered == null ? "" : ", path " + Duration.between(ready, recovered).toMillis();
    Matcher last = null;
    try {
      List<String> lines = Files.readAllLines(platform.log(target));
      for (int i = lines.size() - 1; i >= 0 && last == null; i--) {
        Matcher m = STARTED.matcher(lines.get(i));
        if (m.find()) {
          last = m;
        }
      }
    } catch (IOException | RuntimeException e) {
      // no log to read: the total only
    }
    if (last == null) {
      return "split ms: ready " + total + tail;
    }
    long spring = (long) (Double.parseDouble(last.group(1)) * 1000);
    long process = (long) (Double.parseDouble(last.group(2)) * 1000);
    return "split ms: jvm "
        + (process - spring)
        + ", spring "
        + spring
        + ", readiness "
        + Math.max(0, total - process)
        + tail;
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
  private Instant probe(String probe, String target, Random random) throws InterruptedException {
    long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
    if (probe.startsWith("provisioning")) {
      // Another fault (the admin API down, say) may refuse an attempt: try again within the bound.
      while (System.nanoTime() < deadline) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        if (workload.provision(random.nextBoolean(), "probe-provision", left).isPresent()) {
          return Instant.now();
        }
        Thread.sleep(1000);
      }
      return null;
    }
    while (System.nanoTime() < deadline) {
      if (succeeds(probe, target, random)) {
        return Instant.now();
      }
      Thread.sleep(100);
    }
    return null;
  }

  /** One try of the path, as {@link #probe} makes it; false when it throws. */
  private boolean works(String probe, String target, Random random) {
    try {
      if (probe.startsWith("provisioning")) {
        return workload
            .provision(random.nextBoolean(), "probe-provision", RECOVERY_BOUND)
            .isPresent();
      }
      return succeeds(probe, target, random);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private boolean succeeds(String probe, String target, Random random) throws InterruptedException {
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
    return workload.write(t, freeRouterPort(random)).ok();
  }

  /** The port of a router no other fault holds (router-1's when both are somehow held). */
  private int freeRouterPort(Random random) {
    Set<String> held = targets.held();
    List<String> free =
        List.of("router-1", "router-2").stream().filter(r -> !held.contains(r)).toList();
    return free.isEmpty()
        ? routerPort("router-1")
        : routerPort(free.get(random.nextInt(free.size())));
  }

  private int routerPort(String router) {
    return workload.routerPort(router.equals("router-1") ? 0 : 1);
  }

  /**
   * A live, ACTIVE tenant (on {@code server} when given, else on a server no other fault holds), or
   * null when there is none.
   */
  private ChaosTenant anyTenant(String server) {
    Set<String> down = targets.held();
    for (ChaosTenant t : workload.live()) {
      var row = registry.find(t.id);
      if (row.isPresent()
          && row.get().status().equals("ACTIVE")
          && row.get().operation() == null
          && (server == null
              ? !down.contains(row.get().server())
              : server.equals(row.get().server()))) {
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
