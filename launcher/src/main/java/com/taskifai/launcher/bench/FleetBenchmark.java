package com.taskifai.launcher.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.taskifai.launcher.DevPlatform;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.embedded.PasswordCheckedPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code ./taskifai bench fleet [--tenants N] [--concurrency C] [--seconds S] [--threads T] [--cap
 * K] [--slices N] [--warmup W]}: the fleet at scale on one machine. An embedded dev platform plus a
 * second embedded PostgreSQL registered as a second database server (both with a connection budget
 * of K); N tenants provisioned through the admin API and the real provisioning workflow,
 * verification signalled at once (placement spreads them over both servers); then round robin over
 * all N tenants through the routing runtime under a global cap of K for S seconds with T client
 * threads, sampling the tenant connections on each server; and the physical limit of that round
 * robin (a new connection to the next tenant's database, SCRAM, the same queries, close; the same
 * threads, no router). The two take turns in N slices each (router, limit, router, ...), so a
 * change in the load of this shared machine weighs on both alike; each reports the CPU it cost per
 * request, this JVM's and the whole machine's. Prints a Markdown section for docs/benchmarks.md.
 */
public final class FleetBenchmark {
  private static final String SECOND_SERVER = "local-2";

  private final Map<String, Integer> options = new HashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .executor(Executors.newFixedThreadPool(16, named("bench-http")))
          .build();

  /** A provisioned tenant as the round robin needs it. */
  record Target(
      UUID id,
      String subdomain,
      String serverId,
      String jdbcUrl,
      String appRole,
      String password,
      UUID admin) {}

  /**
   * Latencies and errors of closed-loop runs, with the CPU they cost: this JVM's (router and
   * benchmark client, or the driver for the limit) and the whole machine's (PostgreSQL included),
   * in seconds.
   */
  record Run(
      long errors,
      double seconds,
      long[] nanos,
      double jvmCpu,
      double machineCpu,
      double clientCpu,
      double serverCpu) {
    static final Run EMPTY = new Run(0, 0, new long[0], 0, 0, 0, 0);

    double throughput() {
      return nanos.length / seconds;
    }

    long requests() {
      return nanos.length;
    }

    Run plus(Run o) {
      long[] all = Arrays.copyOf(nanos, nanos.length + o.nanos.length);
      System.arraycopy(o.nanos, 0, all, nanos.length, o.nanos.length);
      return new Run(
          errors + o.errors,
          seconds + o.seconds,
          all,
          jvmCpu + o.jvmCpu,
          machineCpu + o.machineCpu,
          clientCpu + o.clientCpu,
          serverCpu + o.serverCpu);
    }

    /**
     * Milliseconds of CPU per request in this JVM's long-lived threads: the benchmark's client (its
     * threads and the HTTP client's), and the web server's request threads.
     */
    double clientMillisPerRequest() {
      return nanos.length == 0 ? Double.NaN : clientCpu * 1000 / nanos.length;
    }

    double serverMillisPerRequest() {
      return nanos.length == 0 ? Double.NaN : serverCpu * 1000 / nanos.length;
    }

    /** Milliseconds of CPU per request: this JVM's, and the machine's in all. */
    double jvmMillisPerRequest() {
      return nanos.length == 0 ? Double.NaN : jvmCpu * 1000 / nanos.length;
    }

    double machineMillisPerRequest() {
      return nanos.length == 0 ? Double.NaN : machineCpu * 1000 / nanos.length;
    }

    double millis(double p) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
      return sorted[Math.max(0, i)] / 1e6;
    }
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    FleetBenchmark bench = new FleetBenchmark();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String name = args[i].replaceFirst("^--", "");
      if (!List.of("tenants", "concurrency", "seconds", "threads", "cap", "slices", "warmup")
          .contains(name)) {
        System.err.println(
            "usage: ./taskifai bench fleet [--tenants N] [--concurrency C] [--seconds S]"
                + " [--threads T] [--cap K] [--slices N] [--warmup W]");
        System.exit(2);
      }
      bench.options.put(name, Integer.parseInt(args[i + 1]));
    }
    bench.run();
    System.exit(0);
  }

  private int option(String name, int fallback) {
    return options.getOrDefault(name, fallback);
  }

  private void run() throws Exception {
    int tenants = option("tenants", 1000);
    int concurrency = option("concurrency", 8);
    int seconds = option("seconds", 60);
    int threads = option("threads", 16);
    int cap = option("cap", 100);
    // The routing runtime of the dev platform reads these (no environment variable outranks them).
    System.setProperty("taskifai.pool.global-cap", Integer.toString(cap));
    System.setProperty("taskifai.pool.max-per-tenant", Integer.toString(Math.min(10, cap)));

    try (ScratchDirectory scratch = ScratchDirectory.create("taskifai-fleet")) {
      run(scratch.path(), tenants, concurrency, seconds, threads, cap);
    }
  }

  private void run(Path home, int tenants, int concurrency, int seconds, int threads, int cap)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_TEMPORAL", "embedded");
    env.put("TASKIFAI_LOG_LEVEL", "WARN");
    // The demo tenant logs in with the dev admin's TOTP code, which the benchmark needs next.
    env.put("TASKIFAI_DEV_DEMO", "false");
    ProvisionBenchmark.freePorts(env);
    // A second database server: another embedded PostgreSQL, same region, same capacity. Started
    // first so it stops last, after the platform's router has closed its connections to it.
    String secondPassword = UUID.randomUUID().toString();
    int secondPort = ProvisionBenchmark.freePort();
    log("starting an embedded platform and a second PostgreSQL in %s", home);
    try (EmbeddedPostgres second =
            PasswordCheckedPostgres.start(
                EmbeddedPostgres.builder()
                    .setDataDirectory(home.resolve("postgres-2"))
                    .setCleanDataDirectory(true)
                    .setPort(secondPort)
                    .setServerConfig("max_connections", "300"),
                home.resolve("postgres-2-auth"),
                secondPassword);
        DevPlatform platform = DevPlatform.create(env, home)) {
      platform.start();
      Properties dev = ProvisionBenchmark.devEnv(home);
      CredentialCipher cipher =
          new CredentialCipher(KeyRing.fromEnvironment(env, home.resolve("master.keys")));
      PGSimpleDataSource registryDb = ProvisionBenchmark.registryDatabase(dev);
      {
        DatabaseServers servers = new DatabaseServers(registryDb);
        String firstId = servers.all().get(0).id();
        servers.upsert(
            cipher,
            SECOND_SERVER,
            servers.all().get(0).region(),
            "jdbc:postgresql://127.0.0.1:" + secondPort + "/postgres",
            PasswordCheckedPostgres.SUPERUSER,
            secondPassword,
            servers.all().get(0).capacity());
        for (DatabaseServers.Server server : servers.all()) {
          servers.setConnectionBudget(server.id(), cap);
        }

        // (1) Provisioning through the admin API and the real workflow.
        String admin = dev.getProperty("TASKIFAI_ADMIN_URL");
        ProvisionBenchmark provisioning = new ProvisionBenchmark();
        String token = provisioning.login(admin, dev);
        String prefix = "f" + Long.toString(System.nanoTime() % 100_000, 36);
        provisioning.provision(admin, token, prefix + "-warm"); // template, JIT: not counted
        log("provisioning %d tenants, %d at a time", tenants, concurrency);
        ProvisionBenchmark.Batch batch =
            provisioning.provisionAll(admin, token, prefix, tenants, concurrency);
        double provisionSeconds = batch.seconds();
        List<Double> sorted =
            batch.samples().stream().map(ProvisionBenchmark.Sample::toActive).sorted().toList();

        // The tenants as the round robin needs them.
        TenantRegistry registry = new TenantRegistry(registryDb);
        Map<String, DatabaseServers.Server> byId = new HashMap<>();
        for (DatabaseServers.Server s : servers.all()) {
          byId.put(s.id(), s);
        }
        List<Target> targets = new ArrayList<>();
        for (Tenant t : registry.findByStatus(List.of(TenantStatus.ACTIVE))) {
          if (!t.subdomain().startsWith(prefix + "-") || t.subdomain().endsWith("-warm")) {
            continue;
          }
          TenantCredentials creds = TenantCredentials.decrypt(cipher, t);
          DatabaseServers.Server s = byId.get(t.databaseServerId());
          targets.add(
              new Target(
                  t.tenantId(),
                  t.subdomain(),
                  s.id(),
                  creds.jdbcUrl(),
                  creds.username(),
                  creds.password(),
                  adminOf(s, cipher, t.databaseName())));
        }
        Map<String, Long> perServer = new HashMap<>();
        targets.forEach(t -> perServer.merge(t.serverId(), 1L, Long::sum));

        // (2) Round robin through the router under the cap, connections sampled on each server.
        String router =
            dev.getProperty("TASKIFAI_ROUTER_URL").replace("//localhost:", "//127.0.0.1:");
        MACSigner signer =
            new MACSigner(
                dev.getProperty("TASKIFAI_TENANT_JWT_SECRET").getBytes(StandardCharsets.UTF_8));
        List<HttpRequest> requests = new ArrayList<>();
        for (Target t : targets) {
          requests.add(
              HttpRequest.newBuilder(URI.create(router + "/api/products"))
                  .header("Host", t.subdomain() + ".localhost")
                  .header("Authorization", "Bearer " + sign(signer, t))
                  .timeout(Duration.ofSeconds(30))
                  .GET()
                  .build());
        }
        Map<String, AtomicInteger> most = new ConcurrentHashMap<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        // The router's sessions are counted while it serves, not the limit's own connections.
        AtomicBoolean routing = new AtomicBoolean();
        List<Thread> samplers = new ArrayList<>();
        for (DatabaseServers.Server s : byId.values()) {
          if (!s.id().equals(firstId) && !s.id().equals(SECOND_SERVER)) {
            continue;
          }
          AtomicInteger m = most.computeIfAbsent(s.id(), k -> new AtomicInteger());
          Thread sampler = new Thread(() -> sample(s, cipher, m, sampling, routing));
          sampler.setDaemon(true);
          sampler.start();
          samplers.add(sampler);
        }
        Function<Long, Boolean> viaRouter =
            i -> {
              HttpRequest r = requests.get((int) (i % requests.size()));
              try {
                return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
              } catch (Exception e) {
                return false;
              }
            };
        // The physical limit: a new connection per request, no router.
        Function<Long, Boolean> direct =
            i -> {
              Target t = targets.get((int) (i % targets.size()));
              Properties login = new Properties();
              login.setProperty("user", t.appRole());
              login.setProperty("password", t.password());
              // As the router connects: settings in the startup message, no SET after login.
              login.setProperty("assumeMinServerVersion", "9.0");
              try (Connection c = DriverManager.getConnection(t.jdbcUrl(), login)) {
                productsQueries(c, t.admin());
                return true;
              } catch (SQLException e) {
                return false;
              }
            };
        int slices = option("slices", 3);
        log(
            "round robin over %d tenants through the router and its physical limit, %d s each in"
                + " %d alternating slices, %d threads",
            targets.size(), seconds, slices, threads);
        // Not counted: the router's code paths are compiled by the JIT here (provisioning never
        // ran them); with 15 s the router's request threads still cost twice as much CPU per
        // request in the first slice as in the last. The limit's driver paths are warm already.
        int warmup = option("warmup", 60);
        load(threads, warmup, viaRouter, 0);
        load(threads, Math.max(1, warmup / 3), direct, 0);
        Run routed = Run.EMPTY;
        Run limit = Run.EMPTY;
        int slice = Math.max(1, seconds / slices);
        for (int k = 0; k < slices; k++) {
          routing.set(true);
          Run r = load(threads, slice, viaRouter, routed.requests());
          routing.set(false);
          Run l = load(threads, slice, direct, limit.requests());
          log(
              "slice %d: router %.0f req/s (CPU ms per request: JVM %.2f, client %.2f, server"
                  + " %.2f), limit %.0f req/s (JVM %.2f, client %.2f)",
              k + 1,
              r.throughput(),
              r.jvmMillisPerRequest(),
              r.clientMillisPerRequest(),
              r.serverMillisPerRequest(),
              l.throughput(),
              l.jvmMillisPerRequest(),
              l.clientMillisPerRequest());
          routed = routed.plus(r);
          limit = limit.plus(l);
        }
        sampling.set(false);
        for (Thread t : samplers) {
          t.join();
        }
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

        print(
            tenants,
            concurrency,
            provisionSeconds,
            sorted,
            batch.errors(),
            perServer,
            routed,
            limit,
            most,
            heap,
            cap,
            threads,
            seconds,
            slices);
      }
    }
  }

  private void print(
      int tenants,
      int concurrency,
      double provisionSeconds,
      List<Double> toActive,
      int failures,
      Map<String, Long> perServer,
      Run routed,
      Run limit,
      Map<String, AtomicInteger> most,
      long heap,
      int cap,
      int threads,
      int seconds,
      int slices) {
    StringBuilder seen = new StringBuilder();
    most.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                seen.append(seen.isEmpty() ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(e.getValue().get()));
    System.out.printf(
        Locale.ROOT,
        "%n## Fleet (%s, %s, %d cores, load average %.1f)%n%n"
            + "### Provisioning%n%n"
            + "%d tenants through the admin API and the provisioning workflow, %d at a time,"
            + " verification signalled at once: **%.1f tenants/min**, POST → ACTIVE p50 %.2f s,"
            + " p99 %.2f s, failures **%d**; placed per server: %s.%n%n"
            + "### Round robin over all tenants, one router, global cap %d%n%n"
            + "| | requests/s | p50 ms | p99 ms | errors | CPU ms/request: machine | this JVM |"
            + " its benchmark client threads | its web server threads |%n"
            + "|---|---|---|---|---|---|---|---|---|%n"
            + "| router | %.0f | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %.2f |%n"
            + "| physical limit (new connection per request, no router) | %.0f | %.2f | %.2f | %d"
            + " | %.2f | %.2f | %.2f | %.2f |%n%n"
            + "%d client threads, %d s each, in %d alternating slices (router, limit, router, ...)."
            + " Router/limit: **%.2f** (target ≥ 0.7). Most tenant"
            + " connections seen per server (connection budget %d each): %s. Heap of the whole"
            + " platform JVM (admin API, worker, Temporal test server and router) after a full GC:"
            + " **%d MiB** (router target ≤ 512 MiB).%n",
        ZonedDateTime.now().toLocalDate(),
        host(),
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        tenants,
        concurrency,
        toActive.size() / provisionSeconds * 60,
        pct(toActive, 50),
        pct(toActive, 99),
        failures,
        perServer,
        cap,
        routed.throughput(),
        routed.millis(50),
        routed.millis(99),
        routed.errors(),
        routed.machineMillisPerRequest(),
        routed.jvmMillisPerRequest(),
        routed.clientMillisPerRequest(),
        routed.serverMillisPerRequest(),
        limit.throughput(),
        limit.millis(50),
        limit.millis(99),
        limit.errors(),
        limit.machineMillisPerRequest(),
        limit.jvmMillisPerRequest(),
        limit.clientMillisPerRequest(),
        limit.serverMillisPerRequest(),
        threads,
        seconds,
        slices,
        routed.throughput() / limit.throughput(),
        cap,
        seen,
        heap / (1024 * 1024));
  }

  /**
   * Closed loop: each thread starts the next request when its last one answered; the round robin
   * goes on from request number {@code first}.
   */
  private static Run load(int threads, int seconds, Function<Long, Boolean> request, long first)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads, named("bench-client"));
    AtomicLong next = new AtomicLong(first);
    AtomicLong errors = new AtomicLong();
    double jvmBefore = jvmCpuSeconds();
    double machineBefore = machineCpuSeconds();
    Map<Long, Long> threadsBefore = threadCpuNanos();
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    long start = System.nanoTime();
    List<Future<long[]>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                long[] lat = new long[1 << 12];
                int n = 0;
                while (System.nanoTime() < end) {
                  long s = System.nanoTime();
                  if (!request.apply(next.getAndIncrement())) {
                    errors.incrementAndGet();
                  }
                  if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                  }
                  lat[n++] = System.nanoTime() - s;
                }
                return Arrays.copyOf(lat, n);
              }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> f : futures) {
      all.add(f.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double[] byKind = threadCpuSince(threadsBefore);
    pool.shutdown();
    return new Run(
        errors.get(),
        elapsed,
        all.stream().flatMapToLong(Arrays::stream).toArray(),
        jvmCpuSeconds() - jvmBefore,
        machineCpuSeconds() - machineBefore,
        byKind[0],
        byKind[1]);
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** CPU nanoseconds of every live thread of this JVM, by thread id. */
  private static Map<Long, Long> threadCpuNanos() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : mx.getAllThreadIds()) {
      long nanos = mx.getThreadCpuTime(id);
      if (nanos >= 0) {
        cpu.put(id, nanos);
      }
    }
    return cpu;
  }

  /**
   * CPU seconds since {@code before} of the threads alive now, summed for the benchmark's client
   * threads (its own and the HTTP client's, index 0) and the web servers' request threads (index
   * 1). Threads that ended in between (a driver's connect thread, a pool's connection adder or
   * closer) are not here: they are in the JVM's total.
   */
  private static double[] threadCpuSince(Map<Long, Long> before) {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    double[] sums = new double[2];
    for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      String name = info.getThreadName();
      int kind =
          name.startsWith("bench-") || name.startsWith("HttpClient-")
              ? 0
              : name.startsWith("http-nio-") ? 1 : -1;
      long now = mx.getThreadCpuTime(info.getThreadId());
      if (kind >= 0 && now >= 0) {
        sums[kind] += (now - before.getOrDefault(info.getThreadId(), 0L)) / 1e9;
      }
    }
    return sums;
  }

  /** CPU seconds this JVM has used. */
  private static double jvmCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  /** CPU seconds all processes of the machine have used (user, nice, system; /proc/stat). */
  private static double machineCpuSeconds() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long ticks = Long.parseLong(cpu[1]) + Long.parseLong(cpu[2]) + Long.parseLong(cpu[3]);
      return ticks / 100.0; // USER_HZ
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  /** The queries of {@code GET /api/products}. */
  private static void productsQueries(Connection c, UUID userId) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT set_config('app.user_id', ?, true), set_config('app.user_role', ?, true)")) {
      ps.setString(1, userId.toString());
      ps.setString(2, "admin");
      ps.execute();
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM products");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
    }
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, sku, name, ean, category, created_at, updated_at FROM products"
                    + " ORDER BY sku LIMIT 50 OFFSET 0");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rs.getString(2);
      }
    }
    c.commit();
  }

  /** A tenant token as the routing runtime issues it (HS256, same claims). */
  private static String sign(MACSigner signer, Target t) throws Exception {
    Instant now = Instant.now();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder()
                .subject(t.admin().toString())
                .claim("tenant_id", t.id().toString())
                .claim("role", "admin")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static UUID adminOf(DatabaseServers.Server s, CredentialCipher cipher, String database)
      throws SQLException {
    String url = s.jdbcUrl().replaceFirst("/[^/?]+(\\?.*)?$", "/" + database + "$1");
    try (Connection c =
            DriverManager.getConnection(url, s.adminUsername(), s.adminPassword(cipher));
        PreparedStatement ps =
            c.prepareStatement("SELECT id FROM users ORDER BY created_at LIMIT 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getObject(1, UUID.class);
    }
  }

  /** Samples a server's tenant sessions while {@code on}, counting them while {@code counting}. */
  private static void sample(
      DatabaseServers.Server s,
      CredentialCipher cipher,
      AtomicInteger most,
      AtomicBoolean on,
      AtomicBoolean counting) {
    try (Connection c =
            DriverManager.getConnection(s.jdbcUrl(), s.adminUsername(), s.adminPassword(cipher));
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'tenant\\_%'"
                    + " AND backend_type = 'client backend'")) {
      // Samples through both phases, so the router's and the limit's slices bear the same cost
      // of sampling (200 queries a second on the two servers); counts only while the router
      // serves.
      while (on.get()) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (counting.get()) {
            most.accumulateAndGet(rs.getInt(1), Math::max);
          }
        }
        Thread.sleep(10);
      }
    } catch (Exception e) {
      log("sampling %s stopped: %s", s.id(), e.getMessage());
    }
  }

  private static double pct(List<Double> sorted, int p) {
    return ProvisionBenchmark.pct(sorted, p);
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown host";
    }
  }

  private static void log(String format, Object... args) {
    // With the time, to find a phase in a profile recorded alongside.
    System.err.printf(
        Locale.ROOT,
        "[fleet %s] %s%n",
        java.time.LocalTime.now().withNano(0),
        String.format(Locale.ROOT, format, args));
  }
}
