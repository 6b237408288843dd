package com.taskifai.registry.settings;

import com.taskifai.registry.DatabaseTls;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The one check every platform process (worker, admin API, router, {@code init}) runs at start
 * unless it is explicitly a dev one ({@code TASKIFAI_ENV=dev}, which the launcher sets for the
 * processes it starts): production must be given its secrets and real servers, must reach Temporal
 * over TLS, and must not run with a dev-only switch on. A forgotten {@code TASKIFAI_ENV} is
 * production, so it cannot start a deployment on dev defaults. Each refusal names the setting.
 * Settings are looked up by their environment variable names; the Spring processes pass their
 * resolved values under those names.
 */
public final class ProductionSettings {

  /**
   * {@code dev} (or {@code development}) turns the checks off; unset or anything else is
   * production.
   */
  public static final String ENV = "TASKIFAI_ENV";

  /** The value of {@link #ENV} that marks a dev process. */
  public static final String DEV = "dev";

  /**
   * Set to {@code true}: production reaches Temporal without TLS, on a private network on purpose.
   */
  public static final String TEMPORAL_ALLOW_PLAIN = "TASKIFAI_TEMPORAL_ALLOW_PLAIN";

  /** Which process is starting: each needs its own settings. */
  public enum Process {
    WORKER,
    ADMIN_API,
    ROUTER,
    INIT
  }

  /** The SMTP security modes that production accepts without {@code TASKIFAI_SMTP_ALLOW_PLAIN}. */
  private static final Set<String> SMTP_TLS = Set.of("starttls", "smtps");

  /** Marks the platform database as on a private network: no verify-full needed in production. */
  public static final String DB_PRIVATE_NETWORK = "TASKIFAI_DB_PRIVATE_NETWORK";

  private ProductionSettings() {}

  /**
   * False only when {@code TASKIFAI_ENV} says dev: a process is production unless told otherwise.
   */
  public static boolean isProduction(Map<String, String> env) {
    String v = value(env, ENV);
    return v == null || !Set.of(DEV, "development").contains(v.toLowerCase(Locale.ROOT));
  }

  /**
   * Refuses to start a production process whose settings are incomplete or dev-only; does nothing
   * in a dev process.
   *
   * @throws IllegalStateException naming every setting that is missing or refused
   */
  public static void check(Map<String, String> env, Process process) {
    List<String> problems = problems(env, process);
    if (!problems.isEmpty()) {
      String v = value(env, ENV);
      throw new IllegalStateException(
          (v == null
                  ? "TASKIFAI_ENV is unset, which means production (a dev process sets"
                      + " TASKIFAI_ENV=dev):"
                  : "TASKIFAI_ENV=" + v)
              + " refuses to start the "
              + process.name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + ": "
              + String.join("; ", problems));
    }
  }

  /**
   * As {@link #check(Map, Process)} for a Spring process: {@code properties} maps each environment
   * name to the Spring property the process reads it from, and {@code lookup} resolves a property
   * (Spring's environment resolves {@code taskifai.db.url} from {@code TASKIFAI_DB_URL} too).
   */
  public static void check(
      Map<String, String> properties, UnaryOperator<String> lookup, Process process) {
    Map<String, String> env = new java.util.HashMap<>();
    properties.forEach(
        (name, property) -> {
          String v = lookup.apply(property);
          if (v != null) {
            env.put(name, v);
          }
        });
    String privateNetwork = lookup.apply("taskifai.db.private-network");
    if (privateNetwork != null) {
      env.put(DB_PRIVATE_NETWORK, privateNetwork);
    }
    check(env, process);
  }

  /** The reasons {@link #check} would refuse; empty when it would not (or in a dev process). */
  public static List<String> problems(Map<String, String> env, Process process) {
    List<String> problems = new ArrayList<>();
    if (!isProduction(env)) {
      return problems;
    }
    require(env, problems, "TASKIFAI_DB_URL", "the platform database");
    require(env, problems, "TASKIFAI_DB_PASSWORD", "the platform role's password");
    // Master keys: from a file (a mounted secret), never generated, never a dev default.
    if (value(env, "TASKIFAI_MASTER_KEYS") != null) {
      problems.add(
          "TASKIFAI_MASTER_KEYS (inline keys) is refused: mount the keys as a file from a secret"
              + " store and set TASKIFAI_MASTER_KEYS_FILE");
    } else {
      require(env, problems, "TASKIFAI_MASTER_KEYS_FILE", "the master key file (a mounted secret)");
    }
    databaseTls(env, problems);
    switch (process) {
      case ADMIN_API -> {
        if (value(env, "TASKIFAI_ADMIN_JWT_SECRET") == null
            && value(env, "TASKIFAI_ADMIN_JWT_RSA_KEY_FILE") == null) {
          problems.add(
              "TASKIFAI_ADMIN_JWT_SECRET or TASKIFAI_ADMIN_JWT_RSA_KEY_FILE must be set (no random"
                  + " per-process secret in production)");
        }
        secretLength(env, problems, "TASKIFAI_ADMIN_JWT_SECRET");
        refuseTrue(env, problems, "TASKIFAI_FAULT_INJECTION", "fault injection is a dev switch");
        refuseTrue(env, problems, "TASKIFAI_DEV", "the dev outbox and dev pages");
        refuseTrue(
            env,
            problems,
            "TASKIFAI_RECOVER_WORKFLOWS",
            "lost-workflow recovery restarts workflows of the embedded test server; set it to false");
        require(env, problems, "TASKIFAI_TEMPORAL_TARGET", "the Temporal frontend");
        require(env, problems, "TASKIFAI_TEMPORAL_NAMESPACE", "the Temporal namespace");
        temporalTls(env, problems);
      }
      case ROUTER -> {
        require(env, problems, "TASKIFAI_TENANT_JWT_SECRET", "no random per-process secret");
        secretLength(env, problems, "TASKIFAI_TENANT_JWT_SECRET");
      }
      case WORKER -> {
        require(env, problems, "TASKIFAI_TEMPORAL_TARGET", "the Temporal frontend");
        require(env, problems, "TASKIFAI_TEMPORAL_NAMESPACE", "the Temporal namespace");
        if ("true".equalsIgnoreCase(value(env, "TASKIFAI_TEMPORAL_EMBEDDED"))) {
          problems.add("TASKIFAI_TEMPORAL_EMBEDDED=true is refused: the test server is dev-only");
        }
        temporalTls(env, problems);
        refuseTrue(env, problems, "TASKIFAI_FAULT_INJECTION", "fault injection is a dev switch");
        if (value(env, "TASKIFAI_WORKER_HEARTBEAT_TIMEOUT") != null) {
          problems.add(
              "TASKIFAI_WORKER_HEARTBEAT_TIMEOUT is refused: it shortens every step's heartbeat"
                  + " timeout for tests that kill workers");
        }
        require(env, problems, "TASKIFAI_DNS_PROVIDER", "an explicit DNS provider (route53)");
        if ("local".equalsIgnoreCase(value(env, "TASKIFAI_DNS_PROVIDER"))) {
          problems.add("TASKIFAI_DNS_PROVIDER=local is refused: it publishes no real record");
        }
        smtp(env, problems);
      }
      case INIT -> {
        require(env, problems, "TASKIFAI_DB_ADMIN_USER", "the cluster administrator");
      }
    }
    return problems;
  }

  /**
   * The platform database (whose cluster {@code init} registers as the first database server) over
   * verified TLS unless it is on this host or, on purpose, a private network; Supabase projects
   * always over verified TLS.
   */
  private static void databaseTls(Map<String, String> env, List<String> problems) {
    String url = value(env, "TASKIFAI_DB_URL");
    if (url != null) {
      DatabaseTls.productionProblem(url, "true".equalsIgnoreCase(value(env, DB_PRIVATE_NETWORK)))
          .ifPresent(
              p -> problems.add("TASKIFAI_DB_URL " + p + " (" + DB_PRIVATE_NETWORK + "=true)"));
    }
    String supabase = value(env, "TASKIFAI_SUPABASE_SSLMODE");
    if (supabase != null && !DatabaseTls.VERIFY_FULL.equalsIgnoreCase(supabase)) {
      problems.add(
          "TASKIFAI_SUPABASE_SSLMODE="
              + supabase
              + " is refused: Supabase projects are reached over the internet; leave it at"
              + " verify-full and set TASKIFAI_SUPABASE_CA_FILE to the provider's CA certificate");
    }
  }

  /**
   * Whoever reaches the Temporal frontend can start a restore, move or promotion, or signal "email
   * verified", with no admin token: production needs TLS (the files or an API key imply it) unless
   * the frontend is on a private network on purpose.
   */
  private static void temporalTls(Map<String, String> env, List<String> problems) {
    if ("true".equalsIgnoreCase(value(env, TEMPORAL_ALLOW_PLAIN))) {
      return;
    }
    boolean tls =
        "true".equalsIgnoreCase(value(env, "TASKIFAI_TEMPORAL_TLS"))
            || value(env, "TASKIFAI_TEMPORAL_TLS_CA_FILE") != null
            || value(env, "TASKIFAI_TEMPORAL_TLS_CERT_FILE") != null
            || value(env, "TASKIFAI_TEMPORAL_API_KEY") != null;
    if (!tls) {
      problems.add(
          "Temporal without TLS is refused: set TASKIFAI_TEMPORAL_TLS=true (or"
              + " TASKIFAI_TEMPORAL_TLS_CA_FILE, mutual TLS or TASKIFAI_TEMPORAL_API_KEY), or "
              + TEMPORAL_ALLOW_PLAIN
              + "=true when only a private network reaches the frontend");
    }
  }

  private static void smtp(Map<String, String> env, List<String> problems) {
    require(env, problems, "TASKIFAI_SMTP_HOST", "the SMTP relay");
    if ("true".equalsIgnoreCase(value(env, "TASKIFAI_SMTP_ALLOW_PLAIN"))) {
      return; // plain, unauthenticated SMTP on purpose (a relay on a private network)
    }
    String tls = value(env, "TASKIFAI_SMTP_TLS");
    if (tls == null || !SMTP_TLS.contains(tls.toLowerCase(Locale.ROOT))) {
      problems.add(
          "TASKIFAI_SMTP_TLS must be starttls or smtps (or set TASKIFAI_SMTP_ALLOW_PLAIN=true on"
              + " purpose)");
    }
    require(env, problems, "TASKIFAI_SMTP_USERNAME", "SMTP authentication");
    require(env, problems, "TASKIFAI_SMTP_PASSWORD", "SMTP authentication");
  }

  private static void require(
      Map<String, String> env, List<String> problems, String key, String why) {
    if (value(env, key) == null) {
      problems.add(key + " must be set (" + why + ")");
    }
  }

  private static void refuseTrue(
      Map<String, String> env, List<String> problems, String key, String why) {
    if ("true".equalsIgnoreCase(value(env, key))) {
      problems.add(key + "=true is refused in production (" + why + ")");
    }
  }

  private static void secretLength(Map<String, String> env, List<String> problems, String key) {
    String v = value(env, key);
    if (v != null && v.length() < 32) {
      problems.add(key + " must be at least 32 characters");
    }
  }

  private static String value(Map<String, String> env, String key) {
    String v = env.get(key);
    return v == null || v.isBlank() ? null : v.strip();
  }
}
