package com.taskifai.routing.bench;

import com.taskifai.registry.TenantCredentials;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.routing.RoutingRuntimeApplication;
import com.taskifai.routing.auth.TenantTokens;
import com.taskifai.tenantschema.SetPasswordTokens;
import com.taskifai.tenantschema.TenantSchema;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code ./taskifai bench route}: the routing runtime on an embedded PostgreSQL, measured three
 * ways. (1) Routed {@code GET /api/products} of one hot tenant against a baseline endpoint in the
 * same process that runs the same queries on a fixed pool. (2) Many tenants round robin under a
 * global connection cap: throughput, p99, most connections seen, errors. (3) The first request to a
 * cold tenant. Prints a Markdown section for {@code docs/benchmarks.md}.
 *
 * <p>Options: {@code --tenants 500 --cap 100 --seconds 10 --threads 8 --cold 20}. Must run with
 * {@code -Djdk.httpclient.allowRestrictedHeaders=host}.
 */
public final class RouteBenchmark {
  private final Map<String, String> options;
  private final String masterKeys = KeyRing.newKeyEntry("bench1");
  private final HttpClient http =
      HttpClient.newBuilder().executor(Executors.newFixedThreadPool(16)).build();
  private TenantRegistry registry;
  private CredentialCipher cipher;
  private String template;
  private String owner;
  private int port;
  private TenantTokens tokens;

  record Tenant(
      UUID id, String subdomain, String database, String appRole, String password, UUID admin) {}

  record Run(long requests, long errors, double seconds, long[] nanos) {
    static Run merge(List<Run> runs) {
      long requests = 0;
      long errors = 0;
      double seconds = 0;
      for (Run r : runs) {
        requests += r.requests();
        errors += r.errors();
        seconds += r.seconds();
      }
      long[] nanos = runs.stream().flatMapToLong(r -> Arrays.stream(r.nanos())).toArray();
      return new Run(requests, errors, seconds, nanos);
    }

    double throughput() {
      return requests / seconds;
    }

    double percentileMillis(double p) {
      if (nanos.length == 0) {
        return Double.NaN;
      }
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
      return sorted[Math.max(0, i)] / 1e6;
    }
  }

  private RouteBenchmark(Map<String, String> options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    if (!"host".equals(System.getProperty("jdk.httpclient.allowRestrictedHeaders"))) {
      System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    }
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    new RouteBenchmark(options).run();
    System.exit(0);
  }

  private int option(String name, int fallback) {
    return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
  }

  private void run() throws Exception {
    int tenantCount = option("tenants", 500);
    int cap = option("cap", 100);
    int seconds = option("seconds", 10);
    int threads = option("threads", 8);
    int cold = option("cold", 20);

    TestPostgres.Platform platform = TestPostgres.platform();
    cipher = new CredentialCipher(KeyRing.parse(masterKeys));
    registry = new TenantRegistry(platform.platform());
    log("creating %d tenants from a template", tenantCount + cold);
    List<Tenant> tenants = new ArrayList<>();
    for (int i = 0; i < tenantCount + cold; i++) {
      tenants.add(createTenant("bench-" + i));
    }
    List<Tenant> warm = tenants.subList(0, tenantCount);
    List<Tenant> coldTenants = tenants.subList(tenantCount, tenants.size());

    Map<String, Object> props = new HashMap<>();
    props.put("taskifai.env", com.taskifai.registry.settings.ProductionSettings.DEV);
    props.put("TASKIFAI_ROUTER_PORT", "0");
    props.put("TASKIFAI_ROUTER_MANAGEMENT_PORT", "0");
    props.put("taskifai.db.url", platform.jdbcUrl());
    props.put("taskifai.db.username", platform.role());
    props.put("taskifai.db.password", TestPostgres.PLATFORM_PASSWORD);
    props.put("taskifai.master-keys", masterKeys);
    props.put("taskifai.tenant-jwt-secret", "bench-" + UUID.randomUUID() + "-secret-0123456789");
    props.put("taskifai.pool.global-cap", Integer.toString(cap));
    props.put("taskifai.pool.max-per-tenant", Integer.toString(Math.min(10, cap)));
    props.put("taskifai.pool.connection-timeout", "PT5S");
    props.put("taskifai.router.unrouted-paths", "/actuator,/baseline");
    props.put("logging.level.com.taskifai", "WARN");
    try (ConfigurableApplicationContext ctx =
        new SpringApplicationBuilder(RoutingRuntimeApplication.class, BaselineEndpoint.class)
            .properties(props)
            .run()) {
      port = Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port"));
      tokens = ctx.getBean(TenantTokens.class);

      // (1) One hot tenant: routed against the baseline.
      Tenant hot = warm.get(0);
      seedProducts(hot, 20);
      HikariConfig hc = new HikariConfig();
      hc.setJdbcUrl(TestPostgres.jdbcUrl(hot.database()));
      hc.setUsername(hot.appRole());
      hc.setPassword(hot.password());
      hc.setMaximumPoolSize(10);
      try (HikariDataSource fixed = new HikariDataSource(hc)) {
        BaselineEndpoint.fixed = fixed;
        BaselineEndpoint.userId = hot.admin().toString();
        String token = token(hot);
        String host = hot.subdomain() + ".localhost";
        load(List.of(request(host, "/api/products", token)), threads, 3); // warm up
        load(List.of(request(host, "/baseline/products", null)), threads, 3);
        // A second router on the same registry with traces on, as OTEL_* settings turn them on in
        // production: 10 % of the requests sampled, exported over OTLP/HTTP to a local sink.
        try (TraceSink sink = new TraceSink();
            ConfigurableApplicationContext tracedCtx = tracedRouter(props, sink)) {
          HttpRequest tracedRequest =
              request(
                  Integer.parseInt(tracedCtx.getEnvironment().getProperty("local.server.port")),
                  host,
                  "/api/products",
                  token);
          load(List.of(tracedRequest), threads, 3); // warm up
          // Alternating short rounds, each side first in turn, so drift in the machine's load
          // hits every side alike.
          List<HttpRequest> sides =
              List.of(
                  request(host, "/baseline/products", null),
                  request(host, "/api/products", token),
                  tracedRequest);
          List<List<Run>> rounds = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
          int roundCount = 6;
          int each = Math.max(1, seconds / 5);
          for (int i = 0; i < roundCount; i++) {
            for (int k = 0; k < sides.size(); k++) {
              int side = (i + k) % sides.size();
              rounds.get(side).add(load(List.of(sides.get(side)), threads, each));
            }
          }
          List<Run> baselineRounds = rounds.get(0);
          List<Run> routedRounds = rounds.get(1);
          List<Run> tracedRounds = rounds.get(2);
          Run baseline = Run.merge(baselineRounds);
          Run routed = Run.merge(routedRounds);
          Run tracedRun = Run.merge(tracedRounds);
          print1(baseline, routed, threads, seconds);
          // The batch processor exports every 5 s at most: closing the SDK flushes what is left.
          ((io.opentelemetry.sdk.OpenTelemetrySdk) tracedCtx.getBean("benchTracing")).close();
          printTraced(routed, tracedRun, sink);
          printLatencyBuckets(
              ctx.getBean(io.micrometer.core.instrument.MeterRegistry.class), routed);
        }
      }

      // (2) Round robin over many tenants under the cap.
      List<HttpRequest> rr = new ArrayList<>();
      for (Tenant t : warm) {
        rr.add(request(t.subdomain() + ".localhost", "/api/products", token(t)));
      }
      AtomicInteger most = new AtomicInteger();
      AtomicBoolean sampling = new AtomicBoolean(true);
      List<String> dbs = warm.stream().map(Tenant::database).toList();
      // Not counted: every tenant's pool is opened once and the round robin's code is compiled.
      load(rr, threads * 2, Math.max(3, seconds));
      physicalLimit(warm, threads * 2, Math.max(1, seconds / 3));
      // The router's sessions are counted while it serves, not the limit's own connections.
      AtomicBoolean routing = new AtomicBoolean();
      Thread sampler = new Thread(() -> sample(dbs, most, sampling, routing));
      sampler.start();
      // (2b) The physical limit of that round robin: a new connection per request, no router. The
      // two take turns, so drift in the machine's load hits both alike.
      List<Run> manyRounds = new ArrayList<>();
      List<Run> limitRounds = new ArrayList<>();
      int slice = Math.max(1, seconds * 2 / 3);
      for (int i = 0; i < 3; i++) {
        routing.set(true);
        manyRounds.add(load(rr, threads * 2, slice));
        routing.set(false);
        limitRounds.add(physicalLimit(warm, threads * 2, slice));
      }
      Run many = Run.merge(manyRounds);
      Run limit = Run.merge(limitRounds);
      sampling.set(false);
      sampler.join();
      print2(many, tenantCount, cap, most.get(), threads * 2);

      System.out.printf(
          Locale.ROOT,
          "%nPhysical limit (new connection to a tenant database, SCRAM, the same queries, close;"
              + " %d threads, no router): %.0f requests/s, p50 %.2f ms, p99 %.2f ms, errors %d."
              + " Router/limit: **%.2f** (target >= 0.7).%n",
          threads * 2,
          limit.throughput(),
          limit.percentileMillis(50),
          limit.percentileMillis(99),
          limit.errors(),
          many.throughput() / limit.throughput());

      // (3) Cold tenants: the first request of each, one at a time.
      long[] first = new long[coldTenants.size()];
      int coldErrors = 0;
      for (int i = 0; i < coldTenants.size(); i++) {
        Tenant t = coldTenants.get(i);
        HttpRequest r = request(t.subdomain() + ".localhost", "/api/products", token(t));
        long s = System.nanoTime();
        int status = http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
        first[i] = System.nanoTime() - s;
        if (status != 200) {
          coldErrors++;
        }
      }
      print3(new Run(first.length, coldErrors, 0, first));
    }
  }

  /**
   * The router of {@code props} with traces on ({@link BenchTracing}), exporting to {@code sink}.
   */
  private static ConfigurableApplicationContext tracedRouter(
      Map<String, Object> props, TraceSink sink) {
    Map<String, String> otel =
        Map.of(
            "OTEL_TRACES_EXPORTER", "otlp",
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "OTEL_EXPORTER_OTLP_ENDPOINT", sink.endpoint(),
            "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG", "0.1");
    BenchTracing.openTelemetry =
        com.taskifai.registry.tracing.PlatformTracing.fromEnvironment(otel, "taskifai-router");
    return new SpringApplicationBuilder(
            RoutingRuntimeApplication.class, BaselineEndpoint.class, BenchTracing.class)
        .properties(props)
        .run();
  }

  /**
   * The traced router's OpenTelemetry in place of the environment's (off in the benchmark). Not a
   * {@code Configuration}: the untraced router's component scan must not find it.
   */
  static class BenchTracing {
    static volatile io.opentelemetry.api.OpenTelemetry openTelemetry;

    @org.springframework.context.annotation.Bean
    @org.springframework.context.annotation.Primary
    io.opentelemetry.api.OpenTelemetry benchTracing() {
      return openTelemetry;
    }
  }

  private static void printTraced(Run off, Run on, TraceSink sink) {
    System.out.printf(
        Locale.ROOT,
        "%n### 1b. The same routed requests with traces on%n%n"
            + "A second router in the same process, traces on as the OTEL_* settings turn them on"
            + " (sampler parentbased_traceidratio 0.1; the SDK's batch processor exporting"
            + " OTLP/HTTP to a local sink that reads and drops each export: %d exports, %d KB),"
            + " in the same alternating rounds as the untraced router above.%n%n"
            + "| | requests/s | p50 ms | p99 ms | errors |%n|---|---|---|---|---|%n"
            + "| traces off | %.0f | %.2f | %.2f | %d |%n"
            + "| traces on, 10 %% sampled | %.0f | %.2f | %.2f | %d |%n%n"
            + "Throughput ratio on/off: **%.2f** (target >= 0.85); added p50: %.2f ms.%n",
        sink.exports.get(),
        sink.bytes.get() / 1024,
        off.throughput(),
        off.percentileMillis(50),
        off.percentileMillis(99),
        off.errors(),
        on.throughput(),
        on.percentileMillis(50),
        on.percentileMillis(99),
        on.errors(),
        on.throughput() / off.throughput(),
        on.percentileMillis(50) - off.percentileMillis(50));
  }

  /**
   * The cost of the router's per-request latency buckets ({@code RouterMetrics.requestTimer}: a
   * timer with the service-level objectives of {@code TenantUsage.LATENCY_BOUNDS_MS}) against the
   * same timer without them, in the router's own meter registry, and as a share of a routed
   * request's p50.
   */
  private static void printLatencyBuckets(
      io.micrometer.core.instrument.MeterRegistry meters, Run routed) {
    io.micrometer.core.instrument.Timer buckets =
        io.micrometer.core.instrument.Timer.builder("taskifai.bench.buckets")
            .serviceLevelObjectives(
                Arrays.stream(com.taskifai.registry.TenantUsage.LATENCY_BOUNDS_MS)
                    .mapToObj(Duration::ofMillis)
                    .toArray(Duration[]::new))
            .register(meters);
    io.micrometer.core.instrument.Timer plain =
        io.micrometer.core.instrument.Timer.builder("taskifai.bench.plain").register(meters);
    int n = 2_000_000;
    double withNs = Double.MAX_VALUE;
    double withoutNs = Double.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      withNs = Math.min(withNs, nanosPerRecord(buckets, n));
      withoutNs = Math.min(withoutNs, nanosPerRecord(plain, n));
    }
    System.out.printf(
        Locale.ROOT,
        "%n### 1c. The per-request latency buckets%n%n"
            + "One record into the request timer with its %d latency buckets: %.0f ns; without"
            + " them: %.0f ns (best of 5 x %d records, one thread). The buckets add %.0f ns, %.3f %%"
            + " of a routed request's p50.%n",
        com.taskifai.registry.TenantUsage.LATENCY_BOUNDS_MS.length,
        withNs,
        withoutNs,
        n,
        withNs - withoutNs,
        100.0 * (withNs - withoutNs) / (routed.percentileMillis(50) * 1e6));
  }

  private static double nanosPerRecord(io.micrometer.core.instrument.Timer timer, int n) {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      timer.record((i & 1023) * 37_000L, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return (System.nanoTime() - start) / (double) n;
  }

  private void print1(Run baseline, Run routed, int threads, int seconds) {
    System.out.printf(
        Locale.ROOT,
        "%n## Routing runtime (%s, %s, %d cores)%n%n"
            + "### 1. One hot tenant: routed GET /api/products vs the same queries unrouted%n%n"
            + "%d client threads, %d s each, in alternating rounds.%n%n"
            + "| | requests/s | p50 ms | p99 ms | errors |%n|---|---|---|---|---|%n"
            + "| baseline (fixed pool) | %.0f | %.2f | %.2f | %d |%n"
            + "| routed | %.0f | %.2f | %.2f | %d |%n%n"
            + "Throughput ratio routed/baseline: **%.2f** (target >= 0.85); added p50: **%.2f ms**"
            + " (target < 0.3 ms); added p99: %.2f ms.%n",
        ZonedDateTime.now().toLocalDate(),
        host(),
        Runtime.getRuntime().availableProcessors(),
        threads,
        seconds,
        baseline.throughput(),
        baseline.percentileMillis(50),
        baseline.percentileMillis(99),
        baseline.errors(),
        routed.throughput(),
        routed.percentileMillis(50),
        routed.percentileMillis(99),
        routed.errors(),
        routed.throughput() / baseline.throughput(),
        routed.percentileMillis(50) - baseline.percentileMillis(50),
        routed.percentileMillis(99) - baseline.percentileMillis(99));
  }

  private void print2(Run many, int tenants, int cap, int most, int threads) {
    System.out.printf(
        Locale.ROOT,
        "%n### 2. %d tenants round robin under a global cap of %d connections%n%n"
            + "%d client threads, %.0f s in three slices taking turns with the limit below, after"
            + " an uncounted pass over every tenant: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, errors %d,"
            + " most tenant connections seen in pg_stat_activity: **%d** (cap %d).%n",
        tenants,
        cap,
        threads,
        many.seconds(),
        many.throughput(),
        many.percentileMillis(50),
        many.percentileMillis(99),
        many.errors(),
        most,
        cap);
  }

  private void print3(Run cold) {
    System.out.printf(
        Locale.ROOT,
        "%n### 3. First request to a cold tenant%n%n"
            + "%d tenants never requested before (registry lookup, decryption, new pool, new"
            + " connection): p50 %.1f ms, max %.1f ms, errors %d.%n",
        cold.requests(),
        cold.percentileMillis(50),
        cold.percentileMillis(100),
        cold.errors());
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown host";
    }
  }

  private HttpRequest request(String host, String path, String token) {
    return request(port, host, path, token);
  }

  private static HttpRequest request(int port, String host, String path, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Host", host)
            .timeout(Duration.ofSeconds(30))
            .GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.build();
  }

  private String token(Tenant t) {
    return tokens.issue(t.id(), t.admin(), "admin", Instant.now());
  }

  /** Closed-loop load: each thread sends the next request when the last one answered. */
  private Run load(List<HttpRequest> requests, int threads, int seconds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicLong next = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    List<Future<long[]>> futures = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                  HttpRequest r = requests.get((int) (next.getAndIncrement() % requests.size()));
                  long s = System.nanoTime();
                  int status;
                  try {
                    status = http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
                  } catch (Exception e) {
                    status = -1;
                  }
                  long d = System.nanoTime() - s;
                  if (status != 200) {
                    errors.incrementAndGet();
                  }
                  if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                  }
                  lat[n++] = d;
                }
                return Arrays.copyOf(lat, n);
              }));
    }
    List<long[]> all = new ArrayList<>();
    for (Future<long[]> f : futures) {
      all.add(f.get());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long[] nanos = all.stream().flatMapToLong(Arrays::stream).toArray();
    return new Run(nanos.length, errors.get(), elapsed, nanos);
  }

  /**
   * Opens a new connection to the next tenant's database as its app role (password checked with
   * SCRAM), runs the queries of the products endpoint, closes it: the floor of any round robin that
   * needs a new connection per request.
   */
  static Run physicalLimit(List<Tenant> tenants, int threads, int seconds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicLong next = new AtomicLong();
    AtomicLong errors = new AtomicLong();
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
                  Tenant tenant = tenants.get((int) (next.getAndIncrement() % tenants.size()));
                  long s = System.nanoTime();
                  java.util.Properties login = new java.util.Properties();
                  login.setProperty("user", tenant.appRole());
                  login.setProperty("password", tenant.password());
                  // As the router's pools connect: settings in the startup message.
                  login.setProperty("assumeMinServerVersion", "9.0");
                  try (Connection c =
                      java.sql.DriverManager.getConnection(
                          TestPostgres.jdbcUrl(tenant.database()), login)) {
                    PhysicalQuery.run(c, tenant.admin().toString());
                  } catch (Exception e) {
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
    pool.shutdown();
    long[] nanos = all.stream().flatMapToLong(Arrays::stream).toArray();
    return new Run(nanos.length, errors.get(), elapsed, nanos);
  }

  /**
   * Samples the tenant sessions while {@code running}, counting them only while {@code counting}.
   */
  private static void sample(
      List<String> dbs, AtomicInteger most, AtomicBoolean running, AtomicBoolean counting) {
    try (Connection c = TestPostgres.superuser("postgres").getConnection()) {
      // Client sessions only: an autovacuum worker on a tenant database is no router connection.
      var ps =
          c.prepareStatement(
              "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY (?)"
                  + " AND backend_type = 'client backend'");
      ps.setArray(1, c.createArrayOf("text", dbs.toArray()));
      // Through both phases, so the router's and the limit's slices bear the same cost of
      // sampling (200 queries a second over all tenant databases); counted in the router's only.
      while (running.get()) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (counting.get()) {
            most.accumulateAndGet(rs.getInt(1), Math::max);
          }
        }
        Thread.sleep(5);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void seedProducts(Tenant t, int n) throws Exception {
    try (Connection c = TestPostgres.superuser(t.database()).getConnection();
        Statement st = c.createStatement()) {
      for (int i = 0; i < n; i++) {
        st.execute(
            "INSERT INTO products (sku, name, ean) VALUES ('SKU-"
                + i
                + "', 'Product "
                + i
                + "', '40063813339"
                + String.format("%02d", i)
                + "')");
      }
    }
  }

  private Tenant createTenant(String subdomain) {
    if (template == null) {
      template = TestPostgres.createDatabase("bench_template");
      owner = "t_bench" + UUID.randomUUID().toString().substring(0, 6) + "_owner";
      TestPostgres.execute(TestPostgres.superuser("postgres"), "CREATE ROLE " + owner + " NOLOGIN");
      DataSource admin = TestPostgres.superuser(template);
      TenantSchema.migrate(admin, owner);
      TenantSchema.seedVendorConfigs(admin, owner);
      TenantSchema.applyRls(admin, owner);
    }
    UUID id = UUID.randomUUID();
    String hex = id.toString().replace("-", "");
    String database = "tenant_" + hex;
    String app = "t_" + hex.substring(0, 12) + "_app";
    String password = UUID.randomUUID().toString();
    TestPostgres.execute(
        TestPostgres.superuser("postgres"),
        "CREATE DATABASE " + database + " TEMPLATE " + template,
        "REVOKE ALL ON DATABASE " + database + " FROM PUBLIC",
        "CREATE ROLE " + app + " LOGIN PASSWORD '" + password + "'",
        "GRANT CONNECT ON DATABASE " + database + " TO " + app);
    DataSource admin = TestPostgres.superuser(database);
    TenantSchema.grantAppRole(admin, owner, app);
    UUID adminId =
        TenantSchema.createAdminUser(
            admin,
            owner,
            "admin@" + subdomain + ".test",
            SetPasswordTokens.hash(SetPasswordTokens.newToken()),
            Instant.now().plusSeconds(3600));
    registry.reserve(
        new TenantRegistry.Reservation(
            id, subdomain, subdomain, "admin@" + subdomain + ".test", "local"));
    registry.storeCredentials(
        id,
        new TenantCredentials(TestPostgres.jdbcUrl(database), app, password).encrypt(cipher, id));
    registry.setStatus(id, TenantStatus.ACTIVE);
    return new Tenant(id, subdomain, database, app, password, adminId);
  }

  private static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[bench] " + format + "%n", args);
  }
}
