package com.taskifai.api.servers;

import com.taskifai.api.ApiException;
import com.taskifai.api.FleetSettings;
import com.taskifai.api.auth.FreshMfa;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ServerHealth;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.settings.ProductionSettings;
import com.taskifai.web.ProblemException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The database servers that hold tenant databases: list them with their health, register one
 * (checked to answer with the given admin credentials first; the password is stored encrypted),
 * close an empty one and open a draining or closed one. Changes need fresh MFA and land in the
 * audit log.
 */
@RestController
@RequestMapping("/admin/servers")
class ServerController {
  static final int DEFAULT_CAPACITY = 500;

  private final DatabaseServers servers;
  private final ServerHealth health;
  private final CredentialCipher cipher;
  private final AuditLog audit;
  private final FreshMfa mfa;
  private final Duration timeout;
  private final boolean production;

  ServerController(
      DatabaseServers servers,
      CredentialCipher cipher,
      AuditLog audit,
      FreshMfa mfa,
      FleetSettings fleet,
      Environment environment) {
    Duration timeout = fleet.serverHealthTimeout();
    this.servers = servers;
    this.health = new ServerHealth(servers, cipher, timeout);
    this.cipher = cipher;
    this.audit = audit;
    this.mfa = mfa;
    this.timeout = timeout;
    this.production =
        ProductionSettings.isProduction(
            Map.of(ProductionSettings.ENV, environment.getProperty("taskifai.env", "")));
  }

  /**
   * The body of {@code POST /admin/servers}; capacity and budget have defaults. {@code
   * private_network} (default false) marks a server production may reach without {@code
   * sslmode=verify-full} in its URL.
   */
  record NewServerRequest(
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String adminPassword,
      Integer capacity,
      Integer connectionBudget,
      Boolean privateNetwork) {
    DatabaseServers.NewServer toServer() {
      return new DatabaseServers.NewServer(
          id == null ? null : id.strip(),
          region == null ? null : region.strip(),
          jdbcUrl == null ? null : jdbcUrl.strip(),
          adminUsername == null ? null : adminUsername.strip(),
          adminPassword,
          capacity == null ? DEFAULT_CAPACITY : capacity,
          connectionBudget == null ? DatabaseServers.DEFAULT_CONNECTION_BUDGET : connectionBudget);
    }

    @Override
    public String toString() {
      return "NewServerRequest[" + id + ", " + region + ", " + jdbcUrl + "]";
    }
  }

  /**
   * A server with its health. {@code tenants} counts the tenants placed on it that are not DELETED
   * or FAILED; the health fields are null when it was not asked or did not answer ({@code error}
   * says why). {@code onlineMoves} says whether tenants can move onto and off it with logical
   * replication (a pause under a second), {@code onlineMovesReason} why not (moves use pg_dump).
   */
  record ServerView(
      String id,
      String region,
      String jdbcUrl,
      String adminUsername,
      String state,
      int capacity,
      int connectionBudget,
      long tenants,
      Boolean reachable,
      String version,
      Long databasesBytes,
      Integer maxConnections,
      Integer usedConnections,
      Integer freeConnections,
      String error,
      ArchivingView archiving,
      Boolean onlineMoves,
      String onlineMovesReason) {
    static ServerView of(ServerHealth.Health h) {
      DatabaseServers.Server s = h.server();
      return new ServerView(
          s.id(),
          s.region(),
          s.jdbcUrl(),
          s.adminUsername(),
          s.state(),
          s.capacity(),
          s.connectionBudget(),
          h.tenants(),
          h.reachable(),
          h.version(),
          h.databasesBytes(),
          h.maxConnections(),
          h.usedConnections(),
          h.freeConnections(),
          h.error(),
          ArchivingView.of(h.archiving()),
          h.onlineMoves(),
          h.onlineMovesReason());
    }

    static ServerView of(DatabaseServers.Server s, long tenants) {
      return new ServerView(
          s.id(),
          s.region(),
          s.jdbcUrl(),
          s.adminUsername(),
          s.state(),
          s.capacity(),
          s.connectionBudget(),
          tenants,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null);
    }
  }

  /**
   * Continuous WAL archiving on a server: on or off ({@code reason} says why when off or unknown),
   * when the newest WAL segment was archived and its age in seconds, failed attempts, segments
   * waiting to be archived, and whether archiving is stalled (segments waiting and nothing archived
   * for {@link ServerHealth#ARCHIVING_STALLED_AFTER}).
   */
  record ArchivingView(
      boolean enabled,
      java.time.Instant newestWalAt,
      Long ageSeconds,
      long failures,
      java.time.Instant lastFailedAt,
      Long pendingSegments,
      boolean stalled,
      String reason) {
    static ArchivingView of(ServerHealth.Archiving a) {
      return new ArchivingView(
          a.enabled(),
          a.newestWalAt(),
          a.ageSeconds(),
          a.failures(),
          a.lastFailedAt(),
          a.pendingSegments(),
          a.stalled(ServerHealth.ARCHIVING_STALLED_AFTER),
          a.reason());
    }
  }

  record ServerList(List<ServerView> items) {}

  @GetMapping
  ServerList list() {
    return new ServerList(health.all().stream().map(ServerView::of).toList());
  }

  @PostMapping
  ResponseEntity<ServerView> register(
      @AuthenticationPrincipal Jwt jwt, @RequestBody(required = false) NewServerRequest body) {
    String actor = mfa.require(jwt);
    if (body == null) {
      throw ApiException.badRequest(
          "send a JSON object with id, region, jdbc_url, admin_username, admin_password, capacity"
              + " and connection_budget");
    }
    DatabaseServers.NewServer server = body.toServer();
    Map<String, String> problems = server.problems();
    ApiException.requireValid(problems);
    boolean privateNetwork = Boolean.TRUE.equals(body.privateNetwork());
    if (production) {
      java.util.Optional<String> tls = DatabaseServers.tlsProblem(server.jdbcUrl(), privateNetwork);
      if (tls.isPresent()) {
        throw ApiException.invalid(
            "jdbc_url " + tls.get() + " (private_network: true)", Map.of("jdbc_url", tls.get()));
      }
    }
    if (servers.find(server.id()).isPresent()) {
      throw taken(server.id());
    }
    String version;
    try {
      version =
          ServerHealth.probe(
              server.jdbcUrl(), server.adminUsername(), server.adminPassword(), timeout);
    } catch (SQLException e) {
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_ENTITY,
          "server_unreachable",
          "database server "
              + server.id()
              + " did not accept a connection as "
              + server.adminUsername()
              + " at "
              + server.jdbcUrl()
              + ": "
              + firstLine(e)
              + "; nothing was stored",
          Map.of("id", server.id()));
    }
    if (!servers.register(cipher, server, privateNetwork)) {
      throw taken(server.id());
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("server_id", server.id());
    detail.put("region", server.region());
    detail.put("jdbc_url", server.jdbcUrl());
    detail.put("admin_username", server.adminUsername());
    detail.put("capacity", server.capacity());
    detail.put("connection_budget", server.connectionBudget());
    detail.put("private_network", privateNetwork);
    detail.put("version", version);
    audit.append(null, actor, "server.register", null, "registered", detail);
    DatabaseServers.Server stored = servers.find(server.id()).orElseThrow();
    return ResponseEntity.status(HttpStatus.CREATED).body(ServerView.of(stored, 0));
  }

  @PostMapping("/{id}/close")
  ServerView close(@AuthenticationPrincipal Jwt jwt, @PathVariable String id) {
    String actor = mfa.require(jwt);
    DatabaseServers.Server before = server(id);
    long left = servers.closeIfEmpty(id);
    if (left < 0) {
      throw notFound(id);
    }
    if (left > 0) {
      throw ApiException.conflict(
          "database server "
              + id
              + " still holds "
              + left
              + (left == 1 ? " tenant" : " tenants")
              + ": drain it first (POST /admin/servers/"
              + id
              + "/drain), then close it",
          Map.of("tenants", left, "state", before.state()));
    }
    audit.append(
        null,
        actor,
        "server.close",
        null,
        "closed",
        Map.of("server_id", id, "from", before.state()));
    return ServerView.of(server(id), 0);
  }

  @PostMapping("/{id}/open")
  ServerView open(@AuthenticationPrincipal Jwt jwt, @PathVariable String id) {
    String actor = mfa.require(jwt);
    DatabaseServers.Server before = server(id);
    if (servers.holdsProviderProjects(id)) {
      throw ApiException.conflict(
          "database server "
              + id
              + " is a tenant's own provider project; it never takes other tenants",
          Map.of("state", before.state()));
    }
    if (servers.changeState(id, Set.of("DRAINING", "CLOSED"), "OPEN")) {
      audit.append(
          null,
          actor,
          "server.open",
          null,
          "opened",
          Map.of("server_id", id, "from", before.state()));
    }
    return ServerView.of(server(id), servers.placedTenants(id));
  }

  private DatabaseServers.Server server(String id) {
    return servers.find(id).orElseThrow(() -> notFound(id));
  }

  private static ProblemException notFound(String id) {
    return ApiException.notFound("no database server has id " + id);
  }

  private static ApiException taken(String id) {
    return new ApiException(
        HttpStatus.CONFLICT,
        "server_exists",
        "a database server with id " + id + " is registered already; choose another id",
        Map.of("fields", Map.of("id", "is taken")));
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.toString() : m.lines().findFirst().orElse(m);
  }
}
