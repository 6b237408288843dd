package com.taskifai.activities.database.supabase;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.providers.SupabaseSettings;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.workflows.FailureType;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Supabase side of the database provider port: one Supabase project per tenant. {@link
 * #ensureReady} creates the project (once: its name comes from the tenant id and its reference is
 * recorded at once), waits until it reports {@code ACTIVE_HEALTHY}, reads the pooler and the
 * service_role key and registers the project's Postgres as the tenant's own database server (closed
 * to placement). From there create_database and the schema steps run exactly as on our servers,
 * with the project's {@code postgres} user as the server admin. {@link #delete} removes the
 * project; a project that is gone already is done.
 *
 * <p>The project's database password is made here, staged encrypted in {@code tenant_secrets}
 * before Supabase sees it and then kept encrypted as the server's admin password: it never passes
 * through Temporal.
 */
public final class SupabaseProjects {
  private static final Logger log = LoggerFactory.getLogger(SupabaseProjects.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The project's database password, from the first create attempt to the server row. */
  public static final String DB_PASSWORD = "supabase_db_password";

  /** Statuses from which a project still comes up; any other but ACTIVE_HEALTHY fails the step. */
  private static final Set<String> COMING =
      Set.of(
          "COMING_UP",
          "UNKNOWN",
          "ACTIVE_UNHEALTHY",
          "RESTARTING",
          "RESIZING",
          "UPGRADING",
          "RESTORING");

  private final SupabaseManagementApi api;
  private final SupabaseSettings settings;
  private final TenantProviders providers;
  private final DatabaseServers servers;
  private final StagedSecrets secrets;
  private final CredentialCipher cipher;
  private final Clock clock;

  public SupabaseProjects(
      SupabaseManagementApi api,
      SupabaseSettings settings,
      TenantProviders providers,
      DatabaseServers servers,
      StagedSecrets secrets,
      CredentialCipher cipher,
      Clock clock) {
    this.api = api;
    this.settings = settings;
    this.providers = providers;
    this.servers = servers;
    this.secrets = secrets;
    this.cipher = cipher;
    this.clock = clock;
  }

  /** The project name of a tenant: unique per tenant, so a retry finds the project it created. */
  public static String projectName(UUID tenantId) {
    return "taskifai-" + tenantId;
  }

  /** The database server id under which the project's Postgres is registered. */
  public static String serverId(String ref) {
    return "supabase-" + ref;
  }

  /**
   * Makes sure the tenant has a healthy project registered as its database server; returns at once
   * when it has one.
   */
  public void ensureReady(Tenant tenant) {
    UUID id = tenant.tenantId();
    if (tenant.databaseServerId() != null) {
      return;
    }
    String ref = providers.find(id).map(TenantProviders.ProviderInfo::projectRef).orElse(null);
    if (ref == null) {
      String name = projectName(id);
      ref =
          api.findProjectByName(name)
              .orElseGet(
                  () ->
                      api.createProject(
                          name,
                          settings.organizationSlug(),
                          stagedPassword(id),
                          settings.supabaseRegion(tenant.region()),
                          settings.instanceSize()))
              .ref();
      providers.recordProject(id, ref);
      log.info("tenant {}: Supabase project {} requested", id, ref);
    }
    SupabaseManagementApi.Project project = awaitHealthy(id, ref);
    SupabaseManagementApi.Pooler pooler = primaryPooler(ref);
    String projectRef = ref;
    String serviceKey =
        api.serviceRoleKey(ref)
            .orElseThrow(
                () ->
                    StepFailure.of(
                        FailureType.MISCONFIGURED,
                        "Supabase project " + projectRef + " lists no service_role API key"));
    String server = serverId(ref);
    servers.upsert(
        cipher,
        server,
        tenant.region(),
        "jdbc:postgresql://"
            + project.dbHost()
            + ":"
            + settings.directPort()
            + "/postgres?"
            + settings.tlsParameters(),
        pooler.dbUser(),
        stagedPassword(id),
        1);
    TenantDatabaseNames names = TenantDatabaseNames.of(id);
    String poolerUrl =
        "jdbc:postgresql://"
            + pooler.dbHost()
            + ":"
            + pooler.dbPort()
            + "/"
            + tenant.databaseName()
            + ("transaction".equals(pooler.poolMode()) ? "?prepareThreshold=0&" : "?")
            + settings.tlsParameters();
    providers.recordReadyProject(
        cipher, id, server, poolerUrl, names.appRole() + poolerUserSuffix(pooler, ref), serviceKey);
    secrets.delete(id, DB_PASSWORD);
    log.info("tenant {}: Supabase project {} is healthy and registered as {}", id, ref, server);
  }

  /**
   * Deletes the tenant's project (found by its recorded reference, else by its name when a create
   * may have been sent); a project that is gone is done, and no create sent means nothing to
   * delete. Forgets the service_role key.
   */
  public void delete(UUID tenantId) {
    String ref =
        providers.find(tenantId).map(TenantProviders.ProviderInfo::projectRef).orElse(null);
    if (ref == null && secrets.get(tenantId, DB_PASSWORD).isPresent()) {
      // A create was sent (the password is staged just before it) but its answer may be lost.
      ref = api.findProjectByName(projectName(tenantId)).map(p -> p.ref()).orElse(null);
    }
    if (ref != null) {
      boolean deleted = api.deleteProject(ref);
      log.info(
          "tenant {}: Supabase project {} {}", tenantId, ref, deleted ? "deleted" : "was gone");
    }
    providers.eraseServiceKey(tenantId);
  }

  /** Polls with back-off (heartbeating) until ACTIVE_HEALTHY or the deadline after creation. */
  private SupabaseManagementApi.Project awaitHealthy(UUID tenantId, String ref) {
    Duration pause = settings.pollInterval();
    Instant deadline = null;
    while (true) {
      CurrentActivity.checkpoint("supabase: project " + ref);
      SupabaseManagementApi.Project p =
          api.project(ref)
              .orElseThrow(
                  () ->
                      StepFailure.of(
                          FailureType.INVALID_STATE,
                          "Supabase project " + ref + " of tenant " + tenantId + " is gone"));
      if ("ACTIVE_HEALTHY".equals(p.status())) {
        return p;
      }
      if (!COMING.contains(p.status())) {
        throw StepFailure.of(
            FailureType.NOT_READY,
            "Supabase project " + ref + " is " + p.status() + " instead of coming up");
      }
      if (deadline == null) {
        deadline = createdAt(p).plus(settings.readyTimeout());
      }
      Instant now = clock.instant();
      if (!now.isBefore(deadline)) {
        throw StepFailure.of(
            FailureType.NOT_READY,
            "Supabase project "
                + ref
                + " is still "
                + p.status()
                + " "
                + settings.readyTimeout()
                + " after its creation");
      }
      Duration left = Duration.between(now, deadline);
      SupabaseManagementApi.sleep(pause.compareTo(left) < 0 ? pause : left);
      pause = pause.multipliedBy(2);
      if (pause.compareTo(Duration.ofSeconds(30)) > 0) {
        pause = Duration.ofSeconds(30);
      }
    }
  }

  private Instant createdAt(SupabaseManagementApi.Project p) {
    try {
      return OffsetDateTime.parse(p.createdAt()).toInstant();
    } catch (DateTimeParseException | NullPointerException e) {
      return clock.instant();
    }
  }

  private SupabaseManagementApi.Pooler primaryPooler(String ref) {
    List<SupabaseManagementApi.Pooler> poolers = api.poolers(ref);
    return poolers.stream()
        .filter(p -> "PRIMARY".equals(p.databaseType()))
        .findFirst()
        .orElseThrow(
            () ->
                StepFailure.of(
                    FailureType.MISCONFIGURED,
                    "Supabase project " + ref + " has no PRIMARY pooler configuration"));
  }

  /**
   * Supavisor tells projects apart by the user name: {@code postgres.<ref>} in the pooler's
   * connection string means every role connects as {@code <role>.<ref>}.
   */
  static String poolerUserSuffix(SupabaseManagementApi.Pooler pooler, String ref) {
    String cs = pooler.connectionString();
    int start = cs.indexOf("://");
    int end = cs.indexOf('@');
    if (start < 0 || end < start) {
      return "";
    }
    String userInfo = cs.substring(start + 3, end);
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
    return user.endsWith("." + ref) ? "." + ref : "";
  }

  private String stagedPassword(UUID tenantId) {
    return secrets
        .get(tenantId, DB_PASSWORD)
        .orElseGet(
            () -> {
              byte[] raw = new byte[32];
              RANDOM.nextBytes(raw);
              String fresh = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
              secrets.put(tenantId, DB_PASSWORD, fresh);
              return fresh;
            });
  }
}
