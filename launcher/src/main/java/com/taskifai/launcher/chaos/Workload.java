package com.taskifai.launcher.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.taskifai.launcher.bench.VerificationLink;
import com.taskifai.launcher.chaos.PlatformClient.Answer;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The chaos soak's workload: seeded threads that provision dedicated and trial tenants, write
 * products (each with a client-chosen SKU, recorded in the {@link Ledger} with its answer), upload
 * sell-out files, back up and restore (copy and replace), move, drain, promote, roll the fleet's
 * schema out, enable extensions, suspend and reactivate, and offboard. Refusals (409 busy, 422 not
 * for this tenant) are outcomes; every operation's outcome goes to the {@link ChaosReport}.
 */
final class Workload {
  static final String TENANT_PASSWORD = "chaos horse battery";
  static final String EXTENSION = "custom_fields";
  private static final String VERIFY = "/verify-email\\?token=[A-Za-z0-9._~-]+";
  private static final String SET_PASSWORD = "/set-password\\?token=[A-Za-z0-9._~-]+";

  /** How many tenants the workload keeps (offboarding stops below it). */
  static final int KEEP = 4;

  private final PlatformClient client;
  private final ChaosMail mail;
  private final RegistryView registry;
  private final WorkflowServiceStubs temporal;
  private final String namespace;
  private final List<Integer> routerPorts;
  private final Ledger ledger;
  private final ChaosReport report;
  private final long seed;
  private final byte[] sellout;
  private final AtomicInteger made = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean rollingOut = new AtomicBoolean();
  final List<ChaosTenant> tenants = new CopyOnWriteArrayList<>();

  Workload(
      PlatformClient client,
      ChaosMail mail,
      RegistryView registry,
      WorkflowServiceStubs temporal,
      String namespace,
      List<Integer> routerPorts,
      Ledger ledger,
      ChaosReport report,
      long seed) {
    this.client = client;
    this.mail = mail;
    this.registry = registry;
    this.temporal = temporal;
    this.namespace = namespace;
    this.routerPorts = routerPorts;
    this.ledger = ledger;
    this.report = report;
    this.seed = seed;
    try (InputStream in = Workload.class.getResourceAsStream("/demo/vendor-b-online-eu.csv")) {
      this.sellout = in.readAllBytes();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("the demo sell-out file is missing from the launcher", e);
    }
  }

  /**
   * Runs {@code threads} threads of operations and two of tenant API traffic (writes, reads,
   * uploads) until {@code stop} says so, then waits for them; waits inside an operation end early
   * once it does, except a provisioning, which is taken to ACTIVE so that it does not stay behind.
   */
  void run(int threads, BooleanSupplier stop) throws InterruptedException {
    this.stop = stop;
    List<Thread> running = new ArrayList<>();
    for (int i = 0; i < threads + 2; i++) {
      Random random = new Random(seed * 31 + i);
      boolean traffic = i >= threads;
      Thread t =
          new Thread(
              () -> {
                while (!stop.getAsBoolean()) {
                  try {
                    if (traffic) {
                      traffic(random);
                    } else {
                      step(random);
                    }
                    Thread.sleep(traffic ? 20 + random.nextInt(80) : 200 + random.nextInt(800));
                  } catch (InterruptedException e) {
                    return;
                  } catch (RuntimeException e) {
                    report.operation("workload", "exception " + e.getClass().getSimpleName());
                    report.log("workload step threw %s", e);
                  }
                }
              },
              "chaos-" + (traffic ? "traffic-" : "operations-") + i);
      t.setDaemon(true);
      t.start();
      running.add(t);
    }
    for (Thread t : running) {
      t.join(Duration.ofMinutes(4).toMillis());
    }
  }

  private volatile BooleanSupplier stop = () -> false;

  private boolean stopping() {
    return stop.getAsBoolean();
  }

  /** Tenant API traffic: mostly writes, some reads and sell-out uploads. */
  private void traffic(Random r) throws InterruptedException {
    List<ChaosTenant> live = live();
    if (live.isEmpty()) {
      Thread.sleep(500);
      return;
    }
    ChaosTenant t = live.get(r.nextInt(live.size()));
    int roll = r.nextInt(100);
    if (roll < 75) {
      write(t, port(r));
    } else if (roll < 92) {
      read(t, port(r));
    } else {
      upload(t, port(r));
    }
  }

  /** Live (not offboarded) tenants. */
  List<ChaosTenant> live() {
    return tenants.stream().filter(t -> !t.offboarded).toList();
  }

  /** One operation of the admin API, as the seed picks it. */
  private void step(Random r) throws InterruptedException {
    int roll = r.nextInt(100);
    List<ChaosTenant> live = live();
    if (live.isEmpty() || roll < 14) {
      provision(r.nextBoolean(), "provision", Duration.ofMinutes(3));
      return;
    }
    ChaosTenant t = live.get(r.nextInt(live.size()));
    if (roll < 28) {
      backup(t);
    } else if (roll < 40) {
      restore(t, r.nextBoolean() ? "replace" : "copy");
    } else if (roll < 54) {
      move(t);
    } else if (roll < 62) {
      promote(t);
    } else if (roll < 70) {
      extension(t);
    } else if (roll < 80) {
      suspend(t, r);
    } else if (roll < 88) {
      offboard(live, r);
    } else if (roll < 94) {
      drain(r);
    } else {
      rollout();
    }
  }

  /** The tenant port of router {@code index} (0 for router-1). */
  int routerPort(int index) {
    return routerPorts.get(index);
  }

  int port(Random r) {
    return routerPorts.get(r.nextInt(routerPorts.size()));
  }

  // ---- tenant API -----------------------------------------------------------------------------

  /** One product write with a client-chosen SKU, recorded in the ledger with its answer. */
  Answer write(ChaosTenant t, int port) throws InterruptedException {
    String sku = t.nextSku();
    Instant sent = Instant.now();
    Answer a = writeSku(t, port, sku);
    ledger.record(new Ledger.Write(t.id, sku, a.status(), sent, Instant.now()));
    report.operation("write", a.outcome());
    return a;
  }

  private Answer writeSku(ChaosTenant t, int port, String sku) throws InterruptedException {
    Map<String, String> body = Map.of("sku", sku, "name", "chaos " + sku);
    Answer a = client.tenant(port, t.subdomain, "POST", "/api/products", t.token, body);
    if (a.status() == 401 && signIn(t, port)) {
      a = client.tenant(port, t.subdomain, "POST", "/api/products", t.token, body);
    }
    return a;
  }

  private void read(ChaosTenant t, int port) throws InterruptedException {
    Answer a = client.tenant(port, t.subdomain, "GET", "/api/products?limit=20", t.token, null);
    if (a.status() == 401 && signIn(t, port)) {
      a = client.tenant(port, t.subdomain, "GET", "/api/products?limit=20", t.token, null);
    }
    report.operation("read", a.outcome());
  }

  private void upload(ChaosTenant t, int port) throws InterruptedException {
    Answer a =
        client.upload(
            port,
            t.subdomain,
            "/api/sellout/uploads",
            t.token,
            "vendor",
            "vendor-b-online-eu",
            "chaos.csv",
            sellout);
    report.operation("sellout-upload", a.outcome());
  }

  /** Signs the tenant's admin in again through the router (its token expired). */
  boolean signIn(ChaosTenant t, int port) throws InterruptedException {
    Answer a =
        client.tenant(
            port,
            t.subdomain,
            "POST",
            "/api/auth/login",
            null,
            Map.of("email", t.email, "password", t.password));
    if (a.ok()) {
      t.token = a.json().path("access_token").asText();
      return true;
    }
    return false;
  }

  // ---- provisioning ---------------------------------------------------------------------------

  /**
   * Provisions a tenant through the admin API as a person does (verification link, set-password
   * link, sign-in through a router) and writes its marker row; within {@code bound}.
   */
  Optional<ChaosTenant> provision(boolean trial, String kind, Duration bound)
      throws InterruptedException {
    String op = kind + (trial ? "-trial" : "-dedicated");
    int n = made.incrementAndGet();
    String subdomain = "cs" + Long.toString(Math.abs(seed % 1000), 36) + "x" + n;
    String email = "boss@" + subdomain + ".chaos.test";
    long deadline = System.nanoTime() + bound.toNanos();
    Answer created =
        client.admin(
            "POST",
            "/admin/tenants",
            Map.of(
                "company_name",
                subdomain + " Inc",
                "subdomain",
                subdomain,
                "admin_email",
                email,
                "tier",
                trial ? "trial" : "dedicated"));
    if (!created.ok()) {
      report.operation(op, created.outcome());
      return Optional.empty();
    }
    UUID id = UUID.fromString(created.json().path("tenant_id").asText());
    String verify = awaitLink(email, VERIFY, deadline);
    if (verify == null) {
      report.operation(op, "no-verification-mail");
      return Optional.empty();
    }
    while (System.nanoTime() < deadline) {
      try {
        int status = VerificationLink.confirm(client.http, localhost(verify)).statusCode();
        if (status == 200) {
          break;
        }
      } catch (IOException e) {
        // the admin API is down for now
      }
      Thread.sleep(500);
    }
    String status = "";
    while (System.nanoTime() < deadline) {
      status = registry.find(id).map(RegistryView.Row::status).orElse("");
      if (status.equals("ACTIVE") || status.equals("FAILED") || status.equals("ROLLBACK_FAILED")) {
        break;
      }
      Thread.sleep(250);
    }
    if (!status.equals("ACTIVE")) {
      report.operation(op, "not-active:" + (status.isEmpty() ? "unknown" : status));
      return Optional.empty();
    }
    String link = awaitLink(email, SET_PASSWORD, deadline);
    if (link == null) {
      report.operation(op, "no-set-password-mail");
      return Optional.empty();
    }
    String token = link.substring(link.indexOf("token=") + 6);
    ChaosTenant t = new ChaosTenant(id, subdomain, email, TENANT_PASSWORD, null, trial);
    int port = routerPorts.get(n % routerPorts.size());
    boolean signedIn = false;
    while (!signedIn && System.nanoTime() < deadline) {
      Answer set =
          client.tenant(
              port,
              subdomain,
              "POST",
              "/api/auth/set-password",
              null,
              Map.of("token", token, "password", TENANT_PASSWORD));
      signedIn = (set.ok() || set.status() == 400 || set.status() == 410) && signIn(t, port);
      if (!signedIn) {
        Thread.sleep(500);
      }
    }
    if (!signedIn) {
      report.operation(op, "not-signed-in");
      return Optional.empty();
    }
    boolean marked = false;
    while (!marked && System.nanoTime() < deadline) {
      Instant sent = Instant.now();
      Answer a = writeSku(t, port, t.markerSku());
      ledger.record(new Ledger.Write(t.id, t.markerSku(), a.status(), sent, Instant.now()));
      marked = a.ok() || a.status() == 409;
      if (!marked) {
        Thread.sleep(500);
      }
    }
    tenants.add(t);
    report.operation(op, marked ? "ok" : "no-marker");
    return Optional.of(t);
  }

  /** Links name the platform's hosts as localhost; this machine reaches them on 127.0.0.1. */
  private static String localhost(String link) {
    return link.replace("//localhost:", "//127.0.0.1:");
  }

  private String awaitLink(String email, String pattern, long deadline)
      throws InterruptedException {
    while (System.nanoTime() < deadline) {
      Optional<String> link = mail.link(email, pattern);
      if (link.isPresent()) {
        return link.get();
      }
      Thread.sleep(200);
    }
    return null;
  }

  // ---- operations -----------------------------------------------------------------------------

  private void backup(ChaosTenant t) throws InterruptedException {
    Instant asked = Instant.now();
    Answer a = client.admin("POST", "/admin/tenants/" + t.id + "/backups", Map.of());
    if (a.ok()) {
      t.backups.put(a.json().path("backup_id").asText(), asked);
    }
    report.operation("backup", a.outcome());
  }

  /**
   * A restore of a good backup the workload asked for. A replace rolls the tenant back to the
   * backup: the acknowledged writes from the backup's request to the restore's end are allowed to
   * be missing (the ledger's window); a restore whose answer never came keeps its window open.
   */
  private void restore(ChaosTenant t, String mode) throws InterruptedException {
    Answer list = client.admin("GET", "/admin/tenants/" + t.id + "/backups", null);
    if (!list.ok()) {
      report.operation("restore-" + mode, "list-" + list.outcome());
      return;
    }
    String backupId = null;
    for (JsonNode b : list.json().path("backups")) {
      String id = b.path("backup_id").asText();
      if ("GOOD".equals(b.path("status").asText()) && t.backups.containsKey(id)) {
        backupId = id;
      }
    }
    if (backupId == null) {
      report.operation("restore-" + mode, "no-good-backup");
      return;
    }
    String restoreKey = UUID.randomUUID().toString();
    boolean replace = mode.equals("replace");
    if (replace) {
      ledger.rolledBack(t.id, new Ledger.Window(t.backups.get(backupId), null, restoreKey));
    }
    Answer a =
        client.admin(
            "POST",
            "/admin/tenants/" + t.id + "/backups/" + backupId + "/restore",
            Map.of("mode", mode, "confirm_subdomain", t.subdomain));
    report.operation("restore-" + mode, a.outcome());
    if (!replace) {
      return;
    }
    if (a.outcome().startsWith("refused") || (a.status() >= 400 && a.status() < 500)) {
      ledger.restoreEnded(t.id, restoreKey, t.backups.get(backupId));
      return;
    }
    if (a.ok()) {
      String workflowId = a.json().path("workflow_id").asText();
      if (awaitRestored(t, workflowId, Duration.ofMinutes(4))) {
        ledger.restoreEnded(t.id, restoreKey, Instant.now());
      }
    }
  }

  /**
   * Waits until the restore let go of the tenant (its claim seen and then released: the swap is
   * done; the workflow itself stays for the old copy's grace period) or its workflow closed; false
   * when neither was seen (the window stays open).
   */
  private boolean awaitRestored(ChaosTenant t, String workflowId, Duration bound)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    boolean claimed = false;
    while (System.nanoTime() < deadline && !stopping()) {
      Optional<RegistryView.Row> row = registry.find(t.id);
      if (row.isPresent()) {
        boolean restoring = "RESTORING".equals(row.get().operation());
        if (restoring) {
          claimed = true;
        } else if (claimed) {
          return true;
        }
      }
      if (!claimed && closed(workflowId)) {
        return true;
      }
      Thread.sleep(300);
    }
    return false;
  }

  private boolean closed(String workflowId) {
    try {
      return temporal
              .blockingStub()
              .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build())
              .getWorkflowExecutionInfo()
              .getStatus()
          != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void move(ChaosTenant t) throws InterruptedException {
    String server = registry.find(t.id).map(RegistryView.Row::server).orElse(null);
    if (server == null) {
      report.operation("move", "registry-unavailable");
      return;
    }
    String target = server.equals("local-1") ? "local-2" : "local-1";
    Answer a =
        client.admin(
            "POST",
            "/admin/tenants/" + t.id + "/move",
            Map.of("target_server", target, "confirm_subdomain", t.subdomain));
    report.operation("move", a.outcome());
  }

  private void promote(ChaosTenant t) throws InterruptedException {
    Answer a =
        client.admin(
            "POST",
            "/admin/tenants/" + t.id + "/promote",
            Map.of("confirm_subdomain", t.subdomain));
    if (a.ok()) {
      t.trial = false;
    }
    report.operation("promote", a.outcome());
  }

  private void extension(ChaosTenant t) throws InterruptedException {
    Answer a =
        client.admin("POST", "/admin/tenants/" + t.id + "/extensions", Map.of("name", EXTENSION));
    report.operation("extension-enable", a.outcome());
  }

  /** Suspends the tenant for a second or two, then reactivates it (again until it answers). */
  private void suspend(ChaosTenant t, Random r) throws InterruptedException {
    Answer a = client.admin("POST", "/admin/tenants/" + t.id + "/suspend", null);
    report.operation("suspend", a.outcome());
    if (!a.ok() && a.status() != 0 && a.status() < 500) {
      return;
    }
    Thread.sleep(1000 + r.nextInt(2000));
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Answer back = client.admin("POST", "/admin/tenants/" + t.id + "/reactivate", null);
      if (back.ok() || (back.status() >= 400 && back.status() < 500 && back.status() != 401)) {
        String status = registry.find(t.id).map(RegistryView.Row::status).orElse("");
        if (!status.equals("SUSPENDED")) {
          report.operation("reactivate", back.outcome());
          return;
        }
      }
      Thread.sleep(1000);
    }
    report.operation("reactivate", "gave-up");
  }

  /** Offboards a tenant the run made, keeping at least {@link #KEEP}. */
  private void offboard(List<ChaosTenant> live, Random r) throws InterruptedException {
    if (live.size() <= KEEP) {
      return;
    }
    ChaosTenant t = live.get(KEEP + r.nextInt(live.size() - KEEP));
    Answer a = client.admin("DELETE", "/admin/tenants/" + t.id + "?skip_final_backup=true", null);
    if (a.ok()) {
      t.offboarded = true;
    }
    report.operation("offboard", a.outcome());
  }

  /** Drains a server (one drain at a time), waits for its end, and opens it again. */
  private void drain(Random r) throws InterruptedException {
    if (!draining.compareAndSet(false, true)) {
      return;
    }
    try {
      String server = r.nextBoolean() ? "local-1" : "local-2";
      Answer a = client.admin("POST", "/admin/servers/" + server + "/drain", Map.of());
      report.operation("drain", a.outcome());
      if (!a.ok()) {
        return;
      }
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (System.nanoTime() < deadline && !stopping()) {
        Answer p = client.admin("GET", "/admin/servers/" + server + "/drain", null);
        if (p.ok()
            && Set.of("NEEDS_ACTION", "CLOSED", "INCOMPLETE")
                .contains(p.json().path("state").asText())) {
          break;
        }
        Thread.sleep(1000);
      }
      while (System.nanoTime() < deadline + Duration.ofMinutes(1).toNanos()) {
        Answer open = client.admin("POST", "/admin/servers/" + server + "/open", Map.of());
        if (open.ok() || open.status() == 409) {
          report.operation("reopen", open.outcome());
          return;
        }
        Thread.sleep(1000);
      }
      report.operation("reopen", "gave-up");
    } finally {
      draining.set(false);
    }
  }

  /** A fleet schema rollout (one at a time). */
  private void rollout() throws InterruptedException {
    if (!rollingOut.compareAndSet(false, true)) {
      return;
    }
    try {
      Answer a = client.admin("POST", "/admin/migrations", Map.of());
      report.operation("fleet-rollout", a.outcome());
      if (a.ok()) {
        String id = a.json().path("migration_id").asText();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline && !stopping()) {
          Answer p = client.admin("GET", "/admin/migrations/" + id, null);
          if (p.ok()
              && Set.of("COMPLETED", "FAILED", "ABORTED")
                  .contains(p.json().path("state").asText())) {
            report.operation("fleet-rollout-end", p.json().path("state").asText());
            return;
          }
          Thread.sleep(1000);
        }
        report.operation("fleet-rollout-end", "still-running");
      }
    } finally {
      rollingOut.set(false);
    }
  }
}
