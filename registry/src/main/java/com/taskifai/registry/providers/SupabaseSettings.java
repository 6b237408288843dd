package com.taskifai.registry.providers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The database provider settings: the default provider of new tenants and how to reach the Supabase
 * Management API. Read from the environment; {@link #toString()} hides the access token.
 *
 * @param defaultProvider provider of a tenant whose request names none ({@code
 *     TASKIFAI_DATABASE_PROVIDER}, default postgres)
 * @param accessToken Management API token ({@code TASKIFAI_SUPABASE_ACCESS_TOKEN} or the file named
 *     by {@code TASKIFAI_SUPABASE_ACCESS_TOKEN_FILE}); null when Supabase is not configured
 * @param organizationSlug the organization new projects go to ({@code
 *     TASKIFAI_SUPABASE_ORGANIZATION})
 * @param regions our region to Supabase's region code ({@code TASKIFAI_SUPABASE_REGIONS}, {@code
 *     local=eu-central-1,us=us-east-1}); a region missing from the map is passed through as it is
 * @param instanceSize {@code desired_instance_size} of new projects ({@code
 *     TASKIFAI_SUPABASE_INSTANCE_SIZE}); null leaves Supabase's smallest size
 * @param apiBaseUrl the Management API ({@code TASKIFAI_SUPABASE_API_URL}, default {@code
 *     https://api.supabase.com}; a fake in tests)
 * @param readyTimeout how long create_database waits for a new project to report ACTIVE_HEALTHY
 *     ({@code TASKIFAI_SUPABASE_READY_TIMEOUT}, default 15 minutes)
 * @param pollInterval the first pause between two status polls; it doubles up to 30 s ({@code
 *     TASKIFAI_SUPABASE_POLL_INTERVAL}, default 5 s)
 * @param directPort port of the project's direct database connection ({@code
 *     TASKIFAI_SUPABASE_DIRECT_PORT}, default 5432)
 * @param sslMode TLS mode of every connection to a project, direct or through its pooler ({@code
 *     TASKIFAI_SUPABASE_SSLMODE}, default {@code verify-full}; production refuses another)
 * @param caFile the provider's root CA certificate (PEM) the project's certificates are checked
 *     against ({@code TASKIFAI_SUPABASE_CA_FILE}); null checks them against {@code
 *     ~/.postgresql/root.crt}, the drivers' default
 * @param callTimeout how long one Management API request waits for its answer ({@code
 *     TASKIFAI_SUPABASE_CALL_TIMEOUT}, default 30 s); a create without an answer by then is looked
 *     for by name before it is sent again
 */
public record SupabaseSettings(
    DatabaseProvider defaultProvider,
    String accessToken,
    String organizationSlug,
    Map<String, String> regions,
    String instanceSize,
    URI apiBaseUrl,
    Duration readyTimeout,
    Duration pollInterval,
    int directPort,
    String sslMode,
    String caFile,
    Duration callTimeout) {

  public static final String ENV_TOKEN = "TASKIFAI_SUPABASE_ACCESS_TOKEN";

  /** The TLS modes of libpq and the JDBC driver. */
  private static final java.util.Set<String> SSL_MODES =
      java.util.Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  public SupabaseSettings {
    regions = Map.copyOf(regions);
    if (!SSL_MODES.contains(sslMode)) {
      throw new IllegalArgumentException(
          "TASKIFAI_SUPABASE_SSLMODE must be one of verify-full (the default), verify-ca, require,"
              + " prefer, allow or disable, not '"
              + sslMode
              + "'");
    }
    if (defaultProvider == DatabaseProvider.SUPABASE
        && !configured(accessToken, organizationSlug)) {
      throw new IllegalArgumentException(
          "TASKIFAI_DATABASE_PROVIDER=supabase needs "
              + ENV_TOKEN
              + " (or _FILE) and TASKIFAI_SUPABASE_ORGANIZATION");
    }
  }

  /** No Supabase: every tenant on our own servers. */
  public static SupabaseSettings none() {
    return fromEnvironment(Map.of());
  }

  /** Reads the TASKIFAI_DATABASE_PROVIDER and TASKIFAI_SUPABASE_* keys. */
  public static SupabaseSettings fromEnvironment(Map<String, String> env) {
    String token = get(env, ENV_TOKEN, null);
    String file = get(env, ENV_TOKEN + "_FILE", null);
    if (token == null && file != null) {
      try {
        token = Files.readString(Path.of(file.strip())).strip();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + ENV_TOKEN + "_FILE " + file, e);
      }
    }
    Map<String, String> regions = new LinkedHashMap<>();
    for (String pair : get(env, "TASKIFAI_SUPABASE_REGIONS", "").split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new IllegalArgumentException(
            "TASKIFAI_SUPABASE_REGIONS takes ours=theirs pairs, not '" + pair.strip() + "'");
      }
      regions.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
    }
    return new SupabaseSettings(
        DatabaseProvider.parse(get(env, "TASKIFAI_DATABASE_PROVIDER", "postgres")),
        token == null || token.isBlank() ? null : token,
        get(env, "TASKIFAI_SUPABASE_ORGANIZATION", null),
        regions,
        get(env, "TASKIFAI_SUPABASE_INSTANCE_SIZE", null),
        URI.create(stripSlash(get(env, "TASKIFAI_SUPABASE_API_URL", "https://api.supabase.com"))),
        Duration.parse(get(env, "TASKIFAI_SUPABASE_READY_TIMEOUT", "PT15M")),
        Duration.parse(get(env, "TASKIFAI_SUPABASE_POLL_INTERVAL", "PT5S")),
        Integer.parseInt(get(env, "TASKIFAI_SUPABASE_DIRECT_PORT", "5432").strip()),
        get(env, "TASKIFAI_SUPABASE_SSLMODE", "verify-full").strip().toLowerCase(Locale.ROOT),
        get(env, "TASKIFAI_SUPABASE_CA_FILE", null),
        Duration.parse(get(env, "TASKIFAI_SUPABASE_CALL_TIMEOUT", "PT30S")));
  }

  /**
   * The JDBC URL parameters that apply {@link #sslMode} and {@link #caFile}, without a leading
   * {@code ?} or {@code &}; pg_dump and pg_restore read them from the URL too.
   */
  public String tlsParameters() {
    return "sslmode="
        + sslMode
        + (caFile == null
            ? ""
            : "&sslrootcert="
                + java.net.URLEncoder.encode(
                    caFile.strip(), java.nio.charset.StandardCharsets.UTF_8));
  }

  /** True when projects can be created: a token and an organization. */
  public boolean enabled() {
    return configured(accessToken, organizationSlug);
  }

  /** Supabase's region code for one of our regions. */
  public String supabaseRegion(String ourRegion) {
    return regions.getOrDefault(ourRegion, ourRegion);
  }

  /** These settings against another API (a fake) with other waiting times. */
  public SupabaseSettings withApi(URI api, Duration ready, Duration poll, int port) {
    return copy(api, ready, poll, port, sslMode, caFile, callTimeout);
  }

  /** These settings with another TLS mode and CA (a fake's projects are local, without TLS). */
  public SupabaseSettings withTls(String mode, String ca) {
    return copy(apiBaseUrl, readyTimeout, pollInterval, directPort, mode, ca, callTimeout);
  }

  /** These settings with another wait for each Management API answer (a fake that loses them). */
  public SupabaseSettings withCallTimeout(Duration timeout) {
    return copy(apiBaseUrl, readyTimeout, pollInterval, directPort, sslMode, caFile, timeout);
  }

  /**
   * These settings with the account's (token, organization, regions, size) kept, the rest given.
   */
  private SupabaseSettings copy(
      URI api, Duration ready, Duration poll, int port, String mode, String ca, Duration timeout) {
    return new SupabaseSettings(
        defaultProvider,
        accessToken,
        organizationSlug,
        regions,
        instanceSize,
        api,
        ready,
        poll,
        port,
        mode,
        ca,
        timeout);
  }

  @Override
  public String toString() {
    return "SupabaseSettings[default="
        + defaultProvider.value()
        + ", organization="
        + organizationSlug
        + ", token="
        + (accessToken == null ? "none" : "***")
        + ", api="
        + apiBaseUrl
        + ", sslmode="
        + sslMode
        + "]";
  }

  private static boolean configured(String token, String organization) {
    return token != null && !token.isBlank() && organization != null && !organization.isBlank();
  }

  private static String get(Map<String, String> env, String key, String fallback) {
    String value = env.get(key);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static String stripSlash(String url) {
    String u = url.strip();
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }
}
