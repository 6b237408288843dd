package com.taskifai.activities.database.supabase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.taskifai.registry.testing.TestPostgres;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A WireMock extension that answers the Supabase Management API (v1) calls the provider makes, with
 * the paths, fields and status names of Supabase's OpenAPI document. A "project" is a login role
 * {@code proj_<ref>} with the attributes of a Supabase project's {@code postgres} role (not a
 * superuser; CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS; the request's {@code db_pass}) on the
 * embedded PostgreSQL, so what the provider then does in the project's database really runs;
 * deleting the project drops every database and role that role administers, and the role. A create
 * can be made to lose its answer (the project is made, the answer comes after the client gave up)
 * and a new project can stay out of the listing for a few calls. A point-in-time restore (from the
 * project's creation to now, with the PITR add-on on) is recorded and leaves the project RESTORING
 * for two looks (after {@link #restoreShowsAfterPolls} looks that do not show it yet; its answer
 * can be held back like a create's); it does not change the project's rows.
 */
final class FakeSupabase implements ResponseDefinitionTransformerV2 {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PROJECT = Pattern.compile("^/v1/projects/([a-z]{20})(/.*)?$");

  /** A request to answer with a status (and Retry-After) instead of the normal answer. */
  record Fault(String method, String pathPrefix, int status, String retryAfter) {}

  static final class Project {
    final String ref;
    final String name;
    final String region;
    final String dbPass;
    final String createdAt;
    final String serviceKey;
    final AtomicInteger polls = new AtomicInteger();

    /** Listings of all projects that leave this one out yet (Supabase's list catching up). */
    final AtomicInteger hiddenFromListings = new AtomicInteger();

    volatile boolean deleted;

    /** Whether the project has Supabase's point-in-time recovery (the PITR add-on). */
    volatile boolean pitrEnabled = true;

    /** GETs of the project answered RESTORING after a point-in-time restore was requested. */
    final AtomicInteger restoringPolls = new AtomicInteger();

    /** GETs of the project still answered ACTIVE_HEALTHY after a restore was accepted. */
    final AtomicInteger restoreHiddenPolls = new AtomicInteger();

    /** The targets ({@code recovery_time_target_unix}) of the restores requested. */
    final List<Long> restoredTo = new CopyOnWriteArrayList<>();

    Project(String ref, String name, String region, String dbPass, String serviceKey) {
      this.ref = ref;
      this.name = name;
      this.region = region;
      this.dbPass = dbPass;
      this.serviceKey = serviceKey;
      this.createdAt = OffsetDateTime.now(ZoneOffset.UTC).toString();
    }

    String adminRole() {
      return "proj_" + ref;
    }
  }

  final String token;
  final Map<String, Project> projects = new ConcurrentHashMap<>();
  final ConcurrentLinkedDeque<Fault> faults = new ConcurrentLinkedDeque<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<JsonNode> createBodies = new CopyOnWriteArrayList<>();

  /**
   * Whether new projects' admin role has BYPASSRLS, as a Supabase project's {@code postgres} role
   * has; false to model a role that lacks it.
   */
  volatile boolean adminBypassesRls = true;

  /** GETs of a project answered COMING_UP before it is ACTIVE_HEALTHY; negative: never healthy. */
  volatile int comingUpPolls = 2;

  /**
   * Creates that make the project and then hold their answer for {@link #lostAnswerDelayMillis}, so
   * that a client waiting less never gets it.
   */
  final AtomicInteger createAnswersToLose = new AtomicInteger();

  volatile int lostAnswerDelayMillis = 2_000;

  /**
   * Point-in-time restores that are accepted and then hold their answer for {@link
   * #lostAnswerDelayMillis}: the client (a worker that dies, or gives up) has sent the request and
   * not seen the answer.
   */
  final AtomicInteger restoreAnswersToLose = new AtomicInteger();

  /** GETs of a project answered ACTIVE_HEALTHY after a restore is accepted, before RESTORING. */
  volatile int restoreShowsAfterPolls = 0;

  /** How many listings leave out the next project created (then back to 0). */
  final AtomicInteger hideNextCreateFromListings = new AtomicInteger();

  FakeSupabase(String token) {
    this.token = token;
  }

  @Override
  public String getName() {
    return "fake-supabase";
  }

  @Override
  public ResponseDefinition transform(ServeEvent event) {
    Request r = event.getRequest();
    String method = r.getMethod().getName();
    String url = r.getUrl();
    String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    calls.add(method + " " + url);
    if (!("Bearer " + token).equals(r.getHeader("Authorization"))) {
      return json(401, "{\"message\":\"Unauthorized\"}");
    }
    for (Fault f : faults) {
      if (f.method().equals(method) && path.startsWith(f.pathPrefix()) && faults.remove(f)) {
        ResponseDefinitionBuilder b =
            new ResponseDefinitionBuilder()
                .withStatus(f.status())
                .withHeader("Content-Type", "application/json")
                .withBody("{\"message\":\"fault\"}");
        if (f.retryAfter() != null) {
          b.withHeader("Retry-After", f.retryAfter());
        }
        return b.build();
      }
    }
    try {
      if (path.equals("/v1/projects") && method.equals("POST")) {
        return create(JSON.readTree(r.getBodyAsString()));
      }
      if (path.equals("/v1/projects") && method.equals("GET")) {
        ArrayNode list = JSON.createArrayNode();
        projects.values().stream()
            .filter(p -> !p.deleted && p.hiddenFromListings.getAndDecrement() <= 0)
            .forEach(p -> list.add(project(p)));
        return json(200, list.toString());
      }
      Matcher m = PROJECT.matcher(path);
      if (!m.matches()) {
        return json(404, "{\"message\":\"Not found\"}");
      }
      Project p = projects.get(m.group(1));
      if (p == null || p.deleted) {
        return json(404, "{\"message\":\"Project not found\"}");
      }
      String rest = m.group(2) == null ? "" : m.group(2);
      return switch (method + " " + rest) {
        case "GET " -> {
          ObjectNode body = project(p);
          body.putObject("database")
              .put("host", "localhost")
              .put("version", "17.0")
              .put("postgres_engine", "17")
              .put("release_channel", "ga");
          yield json(200, body.toString());
        }
        case "GET /config/database/pooler" -> {
          ObjectNode pooler = JSON.createObjectNode();
          String cs =
              "postgresql://" + p.adminRole() + "@localhost:" + TestPostgres.port() + "/postgres";
          pooler
              .put("identifier", p.ref)
              .put("database_type", "PRIMARY")
              .put("is_using_scram_auth", true)
              .put("db_user", p.adminRole())
              .put("db_host", "localhost")
              .put("db_port", TestPostgres.port())
              .put("db_name", "postgres")
              .put("connection_string", cs)
              .put("connectionString", cs)
              .put("default_pool_size", 15)
              .put("max_client_conn", 200)
              .put("pool_mode", "session");
          yield json(200, JSON.createArrayNode().add(pooler).toString());
        }
        case "GET /api-keys" -> {
          ArrayNode keys = JSON.createArrayNode();
          keys.addObject()
              .put("name", "anon")
              .put("api_key", "anon-" + p.ref)
              .put("type", "legacy");
          keys.addObject()
              .put("name", "service_role")
              .put("api_key", p.serviceKey)
              .put("type", "legacy");
          yield json(200, keys.toString());
        }
        case "GET /database/backups" -> {
          ObjectNode body =
              JSON.createObjectNode()
                  .put("region", p.region)
                  .put("walg_enabled", true)
                  .put("pitr_enabled", p.pitrEnabled);
          body.putArray("backups");
          body.putObject("physical_backup_data")
              .put("earliest_physical_backup_date_unix", createdUnix(p))
              .put("latest_physical_backup_date_unix", java.time.Instant.now().getEpochSecond());
          yield json(200, body.toString());
        }
        case "POST /database/backups/restore-pitr" -> {
          JsonNode body = JSON.readTree(r.getBodyAsString());
          long target = body.path("recovery_time_target_unix").asLong(-1);
          if (!p.pitrEnabled) {
            yield json(400, "{\"message\":\"Point-in-time recovery is not enabled\"}");
          }
          if (target < createdUnix(p) || target > java.time.Instant.now().getEpochSecond()) {
            yield json(400, "{\"message\":\"recovery_time_target_unix out of range\"}");
          }
          p.restoredTo.add(target);
          p.restoreHiddenPolls.set(restoreShowsAfterPolls);
          p.restoringPolls.set(2);
          if (restoreAnswersToLose.getAndDecrement() > 0) {
            yield new ResponseDefinitionBuilder()
                .withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{}")
                .withFixedDelay(lostAnswerDelayMillis)
                .build();
          }
          yield json(201, "{}");
        }
        case "DELETE " -> {
          delete(p);
          yield json(
              200,
              JSON.createObjectNode()
                  .put("id", 1)
                  .put("ref", p.ref)
                  .put("name", p.name)
                  .toString());
        }
        default -> json(404, "{\"message\":\"Not found\"}");
      };
    } catch (Exception e) {
      return json(500, "{\"message\":\"fake failed\"}");
    }
  }

  private ResponseDefinition create(JsonNode body) {
    for (String required : new String[] {"name", "organization_slug", "db_pass"}) {
      if (!body.hasNonNull(required)) {
        return json(400, "{\"message\":\"" + required + " is required\"}");
      }
    }
    createBodies.add(body);
    String ref = newRef();
    String region = body.path("region_selection").path("code").asText("us-east-1");
    Project p =
        new Project(
            ref,
            body.get("name").asText(),
            region,
            body.get("db_pass").asText(),
            "service-role-key-" + newRef());
    TestPostgres.execute(
        server(),
        "CREATE ROLE "
            + p.adminRole()
            + " LOGIN CREATEDB CREATEROLE REPLICATION "
            + (adminBypassesRls ? "BYPASSRLS" : "NOBYPASSRLS")
            + " PASSWORD '"
            + p.dbPass.replace("'", "''")
            + "'");
    p.hiddenFromListings.set(hideNextCreateFromListings.getAndSet(0));
    projects.put(ref, p);
    if (createAnswersToLose.getAndDecrement() > 0) {
      return new ResponseDefinitionBuilder()
          .withStatus(201)
          .withHeader("Content-Type", "application/json")
          .withBody(project(p).toString())
          .withFixedDelay(lostAnswerDelayMillis)
          .build();
    }
    return json(201, project(p).toString());
  }

  private ObjectNode project(Project p) {
    String status;
    if (p.deleted) {
      status = "REMOVED";
    } else {
      int polls = p.polls.getAndIncrement();
      status = comingUpPolls < 0 || polls < comingUpPolls ? "COMING_UP" : "ACTIVE_HEALTHY";
      if (status.equals("ACTIVE_HEALTHY") && p.restoreHiddenPolls.getAndDecrement() > 0) {
        status = "ACTIVE_HEALTHY"; // the restore accepted does not show yet
      } else if (status.equals("ACTIVE_HEALTHY") && p.restoringPolls.getAndDecrement() > 0) {
        status = "RESTORING";
      }
    }
    return JSON.createObjectNode()
        .put("id", p.ref)
        .put("ref", p.ref)
        .put("organization_id", "org-id")
        .put("organization_slug", "taskifai-org")
        .put("name", p.name)
        .put("region", p.region)
        .put("created_at", p.createdAt)
        .put("status", status);
  }

  /** Drops the project's databases and roles, as deleting a project removes its database. */
  private void delete(Project p) {
    p.deleted = true;
    JdbcClient jdbc = JdbcClient.create(server());
    List<String> owners =
        jdbc.sql(
                "SELECT rolname FROM pg_roles r WHERE rolname <> :a"
                    + " AND pg_has_role(:a, r.oid, 'MEMBER')")
            .param("a", p.adminRole())
            .query(String.class)
            .list();
    List<String> statements = new ArrayList<>();
    for (String owner : owners) {
      for (String db :
          jdbc.sql(
                  "SELECT datname FROM pg_database d JOIN pg_roles r ON d.datdba = r.oid"
                      + " WHERE r.rolname = :o")
              .param("o", owner)
              .query(String.class)
              .list()) {
        statements.add("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      }
    }
    for (String owner : owners) {
      statements.add("DROP ROLE IF EXISTS " + owner);
      if (owner.endsWith("_owner")) {
        statements.add("DROP ROLE IF EXISTS " + owner.substring(0, owner.length() - 6) + "_app");
      }
    }
    statements.add("DROP ROLE IF EXISTS " + p.adminRole());
    TestPostgres.execute(server(), statements.toArray(String[]::new));
  }

  private static long createdUnix(Project p) {
    return OffsetDateTime.parse(p.createdAt).toEpochSecond();
  }

  static DataSource server() {
    return TestPostgres.superuser("postgres");
  }

  private static String newRef() {
    SecureRandom random = new SecureRandom();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }

  private static ResponseDefinition json(int status, String body) {
    return new ResponseDefinitionBuilder()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withBody(body)
        .build();
  }
}
