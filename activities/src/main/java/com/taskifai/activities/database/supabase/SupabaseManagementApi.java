package com.taskifai.activities.database.supabase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StepFailure;
import com.taskifai.workflows.FailureType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few calls of the Supabase Management API (v1) the database provider needs, on {@code
 * java.net.http}. Paths, fields and status names follow Supabase's published OpenAPI document of
 * the API ({@code https://api.supabase.com/api/v1-json}, title "Supabase API (v1)").
 *
 * <p>Every call retries a 429 (after its {@code Retry-After}, or the back-off) and a 5xx or a lost
 * connection (with back-off) a few times, heartbeating while it waits; then it fails retryably
 * (UNAVAILABLE). The create is the exception: a 5xx, a timeout or a lost connection may come after
 * Supabase made the project, and a second create would make another one (names are not unique), so
 * it throws {@link AnswerLost} at once and the caller looks before it creates again. Any other 4xx
 * fails at once, non-retryably (MISCONFIGURED), with the method, path and status only: neither the
 * token nor a response body goes into an error or a log line.
 */
public final class SupabaseManagementApi {
  private static final Logger log = LoggerFactory.getLogger(SupabaseManagementApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 6;
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  /** A project as {@code V1ProjectResponse} / {@code V1ProjectWithDatabaseResponse} describe it. */
  public record Project(String ref, String name, String status, String createdAt, String dbHost) {}

  /** One entry of {@code SupavisorConfigResponse}. */
  public record Pooler(
      String databaseType,
      String dbUser,
      String dbHost,
      int dbPort,
      String dbName,
      String connectionString,
      String poolMode) {}

  /**
   * A create that got no answer (a timeout, a lost connection or a 5xx): Supabase may or may not
   * have made the project. The message names the call and what happened, never the body.
   */
  public static final class AnswerLost extends RuntimeException {
    AnswerLost(String message) {
      super(message);
    }
  }

  private final HttpClient http;
  private final URI base;
  private final String token;
  private final Duration firstPause;
  private final Duration callTimeout;

  public SupabaseManagementApi(URI base, String token, Duration firstPause) {
    this(base, token, firstPause, Duration.ofSeconds(30));
  }

  /**
   * @param callTimeout how long one request waits for its answer
   */
  public SupabaseManagementApi(URI base, String token, Duration firstPause, Duration callTimeout) {
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.base = base;
    this.token = token;
    this.firstPause = firstPause;
    this.callTimeout = callTimeout;
  }

  /**
   * {@code POST /v1/projects} with {@code name}, {@code organization_slug}, {@code db_pass}, {@code
   * region_selection} ({@code specific}) and, when given, {@code desired_instance_size}. Not
   * repeated on its own: a 429 is (Supabase refused it), but a 5xx, timeout or lost connection
   * throws {@link AnswerLost}.
   */
  public Project createProject(
      String name, String organizationSlug, String dbPass, String region, String instanceSize) {
    ObjectNode body = JSON.createObjectNode();
    body.put("name", name);
    body.put("organization_slug", organizationSlug);
    body.put("db_pass", dbPass);
    body.putObject("region_selection").put("type", "specific").put("code", region);
    if (instanceSize != null) {
      body.put("desired_instance_size", instanceSize);
    }
    Response r = send("POST", "/v1/projects", body.toString(), false);
    r.requireSuccess();
    return project(r.json());
  }

  /** {@code GET /v1/projects}: every project the token sees. */
  public List<Project> projects() {
    Response r = send("GET", "/v1/projects", null);
    r.requireSuccess();
    List<Project> projects = new ArrayList<>();
    for (JsonNode p : r.json()) {
      projects.add(project(p));
    }
    return projects;
  }

  /**
   * {@code GET /v1/projects}: the projects of the given name (more than one after a lost answer).
   */
  public List<Project> projectsNamed(String name) {
    return projects().stream().filter(p -> name.equals(p.name())).toList();
  }

  /** {@code GET /v1/projects}: a project of the given name, if any. */
  public Optional<Project> findProjectByName(String name) {
    return projectsNamed(name).stream().findFirst();
  }

  /** {@code GET /v1/projects/{ref}}; empty when Supabase has no such project (404). */
  public Optional<Project> project(String ref) {
    Response r = send("GET", "/v1/projects/" + ref, null);
    if (r.status() == 404) {
      return Optional.empty();
    }
    r.requireSuccess();
    return Optional.of(project(r.json()));
  }

  /** {@code GET /v1/projects/{ref}/config/database/pooler}. */
  public List<Pooler> poolers(String ref) {
    Response r = send("GET", "/v1/projects/" + ref + "/config/database/pooler", null);
    r.requireSuccess();
    List<Pooler> poolers = new ArrayList<>();
    for (JsonNode p : r.json()) {
      poolers.add(
          new Pooler(
              p.path("database_type").asText(null),
              p.path("db_user").asText(null),
              p.path("db_host").asText(null),
              p.path("db_port").asInt(),
              p.path("db_name").asText(null),
              p.path("connection_string").asText(""),
              p.path("pool_mode").asText(null)));
    }
    return poolers;
  }

  /**
   * {@code GET /v1/projects/{ref}/api-keys?reveal=true}: the {@code api_key} of the key named
   * {@code service_role}.
   */
  public Optional<String> serviceRoleKey(String ref) {
    Response r = send("GET", "/v1/projects/" + ref + "/api-keys?reveal=true", null);
    r.requireSuccess();
    for (JsonNode k : r.json()) {
      if ("service_role".equals(k.path("name").asText()) && k.hasNonNull("api_key")) {
        return Optional.of(k.get("api_key").asText());
      }
    }
    return Optional.empty();
  }

  /**
   * What {@code GET /v1/projects/{ref}/database/backups} says of point-in-time recovery: whether
   * the project has it ({@code pitr_enabled}) and the range of its physical backups ({@code
   * physical_backup_data}, Unix seconds; null when Supabase names none).
   */
  public record PitrRange(boolean enabled, java.time.Instant earliest, java.time.Instant latest) {}

  /** {@code GET /v1/projects/{ref}/database/backups}: the project's point-in-time range. */
  public PitrRange pitrRange(String ref) {
    Response r = send("GET", "/v1/projects/" + ref + "/database/backups", null);
    r.requireSuccess();
    JsonNode b = r.json();
    JsonNode range = b.path("physical_backup_data");
    return new PitrRange(
        b.path("pitr_enabled").asBoolean(false),
        unix(range.path("earliest_physical_backup_date_unix")),
        unix(range.path("latest_physical_backup_date_unix")));
  }

  /**
   * {@code POST /v1/projects/{ref}/database/backups/restore-pitr} with {@code
   * recovery_time_target_unix}: Supabase restores the project's database in place to that second
   * (the project is RESTORING meanwhile). Not repeated on its own after a lost answer (a second
   * restore would undo the writes made since the first): a 5xx, timeout or lost connection throws
   * {@link AnswerLost}.
   */
  public void restorePitr(String ref, java.time.Instant at) {
    ObjectNode body = JSON.createObjectNode();
    body.put("recovery_time_target_unix", at.getEpochSecond());
    Response r =
        send(
            "POST",
            "/v1/projects/" + ref + "/database/backups/restore-pitr",
            body.toString(),
            false);
    r.requireSuccess();
  }

  private static java.time.Instant unix(JsonNode seconds) {
    return seconds.isNumber() ? java.time.Instant.ofEpochSecond(seconds.asLong()) : null;
  }

  /** {@code DELETE /v1/projects/{ref}}; true when deleted now, false when it was gone (404). */
  public boolean deleteProject(String ref) {
    Response r = send("DELETE", "/v1/projects/" + ref, null);
    if (r.status() == 404) {
      return false;
    }
    r.requireSuccess();
    return true;
  }

  private static Project project(JsonNode p) {
    return new Project(
        p.path("ref").asText(null),
        p.path("name").asText(null),
        p.path("status").asText(null),
        p.path("created_at").asText(null),
        p.path("database").path("host").asText(null));
  }

  private record Response(String method, String path, int status, String body) {
    void requireSuccess() {
      if (status / 100 != 2) {
        throw StepFailure.of(
            FailureType.MISCONFIGURED,
            "Supabase Management API refused "
                + method
                + " "
                + path
                + " with HTTP "
                + status
                + (status == 401 || status == 403
                    ? ": check TASKIFAI_SUPABASE_ACCESS_TOKEN and TASKIFAI_SUPABASE_ORGANIZATION"
                    : ""));
      }
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "Supabase Management API sent no JSON for " + method + " " + path);
      }
    }
  }

  private Response send(String method, String path, String body) {
    return send(method, path, body, true);
  }

  /**
   * @param repeatable false when a request that got no answer may have taken effect (the create):
   *     then only a 429 is sent again
   */
  private Response send(String method, String path, String body, boolean repeatable) {
    Duration pause = firstPause;
    String last = "no answer";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(callTimeout)
              .header("Authorization", "Bearer " + token)
              .header("Accept", "application/json");
      if (body != null) {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      Duration wait = pause;
      try {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        int status = r.statusCode();
        if (status != 429 && status < 500) {
          return new Response(method, path, status, r.body());
        }
        last = "HTTP " + status;
        if (status == 429) {
          wait = retryAfter(r).orElse(pause);
        }
      } catch (IOException e) {
        last = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StepFailure.of(FailureType.UNAVAILABLE, method + " " + path + " was interrupted");
      }
      if (!repeatable && !last.equals("HTTP 429")) {
        throw new AnswerLost(method + " " + path + " got no answer (" + last + ")");
      }
      if (attempt == ATTEMPTS) {
        break;
      }
      log.info(
          "Supabase Management API: {} {} answered {}; retrying in {}", method, path, last, wait);
      sleep(wait);
      pause = min(pause.multipliedBy(2), MAX_PAUSE);
    }
    throw StepFailure.of(
        FailureType.UNAVAILABLE,
        "Supabase Management API: "
            + method
            + " "
            + path
            + " failed "
            + ATTEMPTS
            + " times (last: "
            + last
            + ")");
  }

  /** {@code Retry-After} in seconds (the form Supabase sends), capped at 30 s. */
  private static Optional<Duration> retryAfter(HttpResponse<?> r) {
    return r.headers()
        .firstValue("Retry-After")
        .flatMap(
            v -> {
              try {
                return Optional.of(min(Duration.ofSeconds(Long.parseLong(v.strip())), MAX_PAUSE));
              } catch (NumberFormatException e) {
                return Optional.empty();
              }
            });
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Sleeps, heartbeating every second so a cancellation or a dead worker is noticed. */
  static void sleep(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    while (true) {
      CurrentActivity.checkpoint("supabase: waiting");
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        Thread.sleep(Math.min(Duration.ofNanos(left).toMillis() + 1, 1000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StepFailure.of(FailureType.UNAVAILABLE, "interrupted while waiting for Supabase");
      }
    }
  }
}
