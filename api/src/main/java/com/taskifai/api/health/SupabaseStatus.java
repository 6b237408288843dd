package com.taskifai.api.health;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.taskifai.registry.providers.SupabaseSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the admin API asks the Supabase Management API (v1) for its views: whether the API answers
 * the platform's token ({@code GET /v1/projects}, for the {@code supabase} health component) and a
 * tenant project's {@code status} ({@code GET /v1/projects/{ref}}, for the tenant detail). Unlike
 * the workers' client it makes one attempt under a short timeout and never fails the caller: a view
 * must not wait out retries. Neither the token nor a response body goes into a result or a log
 * line.
 */
@Component
public class SupabaseStatus {
  private static final Logger log = LoggerFactory.getLogger(SupabaseStatus.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  /** The status shown when the API could not tell a project's status. */
  public static final String UNKNOWN = "unknown";

  /** What one {@code GET /v1/projects} found: up, or the HTTP status or the error kind. */
  public record Probe(boolean up, Integer httpStatus, String error) {}

  private final SupabaseSettings settings;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Cache<String, String> statuses;
  private final Duration probeCache;
  private volatile Probe lastProbe;
  private volatile long lastProbeNanos;

  public SupabaseStatus(Environment env) {
    this.settings = settings(env);
    this.statuses =
        Caffeine.newBuilder()
            .expireAfterWrite(duration(env, "taskifai.supabase.status-cache", "PT30S"))
            .maximumSize(10_000)
            .build();
    this.probeCache = duration(env, "taskifai.supabase.health-cache", "PT10S");
  }

  /** True when the API has a token and an organization (as the workers need to create projects). */
  public boolean configured() {
    return settings.enabled();
  }

  /** {@code GET /v1/projects} once; its answer is reused for a few seconds (rate limits). */
  public Probe probe() {
    Probe cached = lastProbe;
    if (cached != null && System.nanoTime() - lastProbeNanos < probeCache.toNanos()) {
      return cached;
    }
    Probe p;
    try {
      HttpResponse<Void> r = send("/v1/projects", HttpResponse.BodyHandlers.discarding());
      p = new Probe(r.statusCode() / 100 == 2, r.statusCode(), null);
    } catch (IOException e) {
      p = new Probe(false, null, e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p = new Probe(false, null, "interrupted");
    }
    lastProbe = p;
    lastProbeNanos = System.nanoTime();
    return p;
  }

  /**
   * The {@code status} of a project ({@code ACTIVE_HEALTHY}, {@code COMING_UP}, …) from {@code GET
   * /v1/projects/{ref}}, cached briefly; {@value #UNKNOWN} when Supabase is not configured here or
   * the API does not tell (failures are not cached).
   */
  public String projectStatus(String ref) {
    if (ref == null || !configured() || !ref.matches("[a-z0-9]{1,64}")) {
      return UNKNOWN;
    }
    String cached = statuses.getIfPresent(ref);
    if (cached != null) {
      return cached;
    }
    Optional<String> status = fetchStatus(ref);
    status.ifPresent(s -> statuses.put(ref, s));
    return status.orElse(UNKNOWN);
  }

  private Optional<String> fetchStatus(String ref) {
    String path = "/v1/projects/" + ref;
    try {
      HttpResponse<String> r = send(path, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        log.info("Supabase Management API: GET {} answered HTTP {}", path, r.statusCode());
        return Optional.empty();
      }
      JsonNode status = JSON.readTree(r.body()).path("status");
      return status.isString() && !status.asString().isBlank()
          ? Optional.of(status.asString())
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      log.info("Supabase Management API: GET {} failed ({})", path, e.getClass().getSimpleName());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private <T> HttpResponse<T> send(String path, HttpResponse.BodyHandler<T> body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(settings.apiBaseUrl() + path))
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + settings.accessToken())
            .header("Accept", "application/json")
            .GET()
            .build();
    return http.send(request, body);
  }

  /** The Supabase keys as the API reads them (a property, else the environment variable). */
  static SupabaseSettings settings(Environment env) {
    Map<String, String> keys = new HashMap<>();
    keys.put(
        SupabaseSettings.ENV_TOKEN,
        property(env, "taskifai.supabase.access-token", "ACCESS_TOKEN"));
    keys.put(
        SupabaseSettings.ENV_TOKEN + "_FILE",
        property(env, "taskifai.supabase.access-token-file", "ACCESS_TOKEN_FILE"));
    keys.put(
        "TASKIFAI_SUPABASE_ORGANIZATION",
        property(env, "taskifai.supabase.organization", "ORGANIZATION"));
    keys.put("TASKIFAI_SUPABASE_API_URL", property(env, "taskifai.supabase.api-url", "API_URL"));
    return SupabaseSettings.fromEnvironment(keys);
  }

  private static String property(Environment env, String name, String envSuffix) {
    String v = env.getProperty(name);
    return v == null || v.isBlank() ? env.getProperty("TASKIFAI_SUPABASE_" + envSuffix) : v;
  }

  private static Duration duration(Environment env, String name, String fallback) {
    return Duration.parse(env.getProperty(name, fallback).strip());
  }

  /** Matches when the API has a Supabase token and organization. */
  static final class Configured implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return settings(context.getEnvironment()).enabled();
    }
  }
}
