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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Supabase side of the database provider port: one Supabase project per tenant. {@link
 * #ensureProject} finds or creates the project, at most one per tenant whatever times out when: the
 * caller runs it under the tenant's fence, it adopts a project named for the tenant before it
 * creates one (the oldest when a lost answer left two, deleting the others), and a create that got
 * no answer is looked for by name before it is sent again; the reference is recorded at once.
 * {@link #ensureReady} then waits until it reports {@code ACTIVE_HEALTHY}, reads the pooler and the
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

  private final SupabaseManagementApi api;
  private final SupabaseSettings settings;
  private final TenantProviders providers;
  private final DatabaseServers servers;
  private final StagedSecrets secrets;
  private final CredentialCipher cipher;
  private final Clock clock;
  private final SupabaseRestores restores;

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
    this.restores = new SupabaseRestores(api, providers, settings.pollInterval(), clock);
  }

  /** The project name of a tenant: unique per tenant, so a retry finds the project it created. */
  public static String projectName(UUID tenantId) {
    return "taskifai-" + tenantId;
  }

  /** How many creates without an answer {@link #ensureProject} sends before it gives up. */
  private static final int CREATE_ATTEMPTS = 3;

  /** How many times a create without an answer is looked for before it is sent again. */
  private static final int LOOKS_AFTER_LOST_ANSWER = 3;

  private static final java.util.regex.Pattern PLATFORM_NAME =
      java.util.regex.Pattern.compile(
          "^taskifai-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$");

  /** The tenant a project's name points at, when it has the platform's naming. */
  public static Optional<UUID> tenantOf(String projectName) {
    java.util.regex.Matcher m = PLATFORM_NAME.matcher(projectName == null ? "" : projectName);
    return m.matches() ? Optional.of(UUID.fromString(m.group(1))) : Optional.empty();
  }

  /**
   * A provider project with the platform's naming, for the reconciler.
   *
   * @param ref the project's reference
   * @param name its name, {@code taskifai-<tenant id>}
   * @param tenantId the tenant its name points at
   * @param recordedRef the project that tenant recorded as its own, or null
   */
  public record NamedProject(String ref, String name, UUID tenantId, String recordedRef) {}

  /** The projects the token sees whose names follow the platform's naming. */
  public List<NamedProject> platformProjects() {
    List<NamedProject> named = new java.util.ArrayList<>();
    for (SupabaseManagementApi.Project p : api.projects()) {
      tenantOf(p.name())
          .ifPresent(
              id ->
                  named.add(
                      new NamedProject(
                          p.ref(),
                          p.name(),
                          id,
                          providers
                              .find(id)
                              .map(TenantProviders.ProviderInfo::projectRef)
                              .orElse(null))));
    }
    return named;
  }

  /** Deletes a project the reconciler reported; true when deleted now, false when it was gone. */
  public boolean deleteProject(String ref) {
    return api.deleteProject(ref);
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
    String ref = ensureProject(tenant);
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
   * The tenant's one project, recorded: the recorded one, else a project named for the tenant (a
   * create whose answer was lost; the oldest when there are more, the others deleted), else a new
   * one. The caller holds the tenant's fence, so no other attempt looks or creates meanwhile. A
   * create that got no answer is looked for by name before it is sent again; after {@value
   * #CREATE_ATTEMPTS} such creates the step fails retryably, and its retry looks first again.
   */
  public String ensureProject(Tenant tenant) {
    UUID id = tenant.tenantId();
    String recorded = providers.find(id).map(TenantProviders.ProviderInfo::projectRef).orElse(null);
    if (recorded != null) {
      return recorded;
    }
    String name = projectName(id);
    Optional<String> ref = adopt(id, name, 1);
    for (int attempt = 1; ref.isEmpty(); attempt++) {
      try {
        ref =
            Optional.of(
                api.createProject(
                        name,
                        settings.organizationSlug(),
                        stagedPassword(id),
                        settings.supabaseRegion(tenant.region()),
                        settings.instanceSize())
                    .ref());
      } catch (SupabaseManagementApi.AnswerLost e) {
        log.warn(
            "tenant {}: Supabase create got no answer ({}); looking for the project before"
                + " creating again",
            id,
            e.getMessage());
        ref = adopt(id, name, LOOKS_AFTER_LOST_ANSWER);
        if (ref.isEmpty() && attempt >= CREATE_ATTEMPTS) {
          throw StepFailure.of(
              FailureType.UNAVAILABLE,
              "Supabase answered no create of tenant "
                  + id
                  + "'s project "
                  + attempt
                  + " times and lists no project named "
                  + name
                  + "; the step's retry looks for it first");
        }
      }
    }
    providers.recordProject(id, ref.get());
    log.info("tenant {}: Supabase project {} requested", id, ref.get());
    return ref.get();
  }

  /**
   * The project named for the tenant, if Supabase lists one within {@code looks} looks: the oldest
   * when a lost answer left more than one, the others deleted so that none keeps billing.
   */
  private Optional<String> adopt(UUID tenantId, String name, int looks) {
    for (int look = 1; look <= looks; look++) {
      if (look > 1) {
        SupabaseManagementApi.sleep(settings.pollInterval());
      }
      List<SupabaseManagementApi.Project> named =
          api.projectsNamed(name).stream()
              .sorted(
                  java.util.Comparator.comparing((SupabaseManagementApi.Project p) -> createdAt(p))
                      .thenComparing(SupabaseManagementApi.Project::ref))
              .toList();
      if (named.isEmpty()) {
        continue;
      }
      String kept = named.get(0).ref();
      for (SupabaseManagementApi.Project extra : named.subList(1, named.size())) {
        boolean deleted = api.deleteProject(extra.ref());
        log.warn(
            "tenant {}: Supabase project {} is a second one named {} (a create whose answer was"
                + " lost): {}; {} is kept",
            tenantId,
            extra.ref(),
            name,
            deleted ? "deleted" : "was gone",
            kept);
      }
      log.info("tenant {}: Supabase project {} adopted (found by its name)", tenantId, kept);
      return Optional.of(kept);
    }
    return Optional.empty();
  }

  /**
   * Deletes the tenant's project (its recorded reference, and every project named for the tenant
   * once a create may have been sent, answered or not); a project that is gone is done, and no
   * create sent means nothing to delete. Forgets the service_role key.
   */
  public void delete(UUID tenantId) {
    Set<String> refs = new java.util.LinkedHashSet<>();
    providers.find(tenantId).map(TenantProviders.ProviderInfo::projectRef).ifPresent(refs::add);
    if (!refs.isEmpty() || secrets.get(tenantId, DB_PASSWORD).isPresent()) {
      // A create was sent (the password is staged just before it); an answer may have been lost.
      api.projectsNamed(projectName(tenantId)).forEach(p -> refs.add(p.ref()));
    }
    for (String ref : refs) {
      boolean deleted = api.deleteProject(ref);
      log.info(
          "tenant {}: Supabase project {} {}", tenantId, ref, deleted ? "deleted" : "was gone");
    }
    providers.eraseServiceKey(tenantId);
  }

  /**
   * Restores the tenant's project's database in place to {@code at} through Supabase's own
   * point-in-time recovery ({@link SupabaseRestores#restoreToTime}).
   */
  public void restoreToTime(
      UUID tenantId,
      Instant at,
      String operationId,
      com.taskifai.registry.ProviderRestoreRequests requests) {
    restores.restoreToTime(tenantId, at, operationId, requests);
  }

  /** Polls with back-off (heartbeating) until ACTIVE_HEALTHY or the deadline after creation. */
  private SupabaseManagementApi.Project awaitHealthy(UUID tenantId, String ref) {
    Duration pause = settings.pollInterval();
    Instant deadline = null;
    while (true) {
      CurrentActivity.checkpoint("supabase: project " + ref);
      SupabaseManagementApi.Project p = ProjectPolls.existing(api, ref, tenantId);
      if ("ACTIVE_HEALTHY".equals(p.status())) {
        return p;
      }
      if (!ProjectPolls.COMING.contains(p.status())) {
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
      pause = ProjectPolls.longer(pause);
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
