package com.taskifai.activities.reconcile;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.TenantDatabaseInventory;
import com.taskifai.activities.database.TenantDatabaseNames;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.activities.dns.DnsProvider;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.tenantschema.TrialSchema;
import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.ports.FleetActivities;
import com.taskifai.workflows.ports.FleetScan;
import com.taskifai.workflows.ports.Orphan;
import com.taskifai.workflows.ports.OrphanRemoval;
import com.taskifai.workflows.ports.ReconcileReport;
import com.taskifai.workflows.ports.RemovalOutcome;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet reconciler's activities. A database, role, DNS record or staged secret is an orphan
 * when its name points at no tenant, or at a tenant that is FAILED or DELETED (whose saga or
 * offboarding should have removed it). Anything named for a live tenant is left alone, on any
 * server, and a role that may still connect to a live tenant's database is never an orphan. DNS
 * names count only when they are a valid, unreserved tenant subdomain of the base domain. With
 * Supabase configured, a provider project named {@code taskifai-<tenant id>} is an orphan when that
 * tenant is not live or has recorded another project as its own.
 */
public final class FleetActivitiesImpl implements FleetActivities {
  private static final Logger log = LoggerFactory.getLogger(FleetActivitiesImpl.class);
  static final String ACTION_REPORT = "fleet.reconcile";
  static final String ACTION_REMOVE = "orphan.remove";

  private final TenantRegistry registry;
  private final DatabaseServers servers;
  private final TenantDatabaseInventory inventory;
  private final DnsProvider dns;
  private final StagedSecrets secrets;
  private final ReconcileReports reports;
  private final AuditLog audit;
  private final SubdomainRules rules;
  private final Duration stalledAfter;
  private final Clock clock;
  private final WorkflowClient client;
  private final SupabaseProjects supabase;

  /**
   * @param stalledAfter how long a tenant must have stayed in an in-flight status before a missing
   *     workflow counts (a workflow being started is not stalled)
   * @param client the Temporal client to describe workflows with; null to use the running
   *     activity's own
   * @param supabase the provider projects to scan; null when Supabase is not configured
   */
  public FleetActivitiesImpl(
      TenantRegistry registry,
      DatabaseServers servers,
      TenantDatabaseInventory inventory,
      DnsProvider dns,
      StagedSecrets secrets,
      ReconcileReports reports,
      AuditLog audit,
      SubdomainRules rules,
      Duration stalledAfter,
      Clock clock,
      WorkflowClient client,
      SupabaseProjects supabase) {
    this.supabase = supabase;
    this.registry = registry;
    this.servers = servers;
    this.inventory = inventory;
    this.dns = dns;
    this.secrets = secrets;
    this.reports = reports;
    this.audit = audit;
    this.rules = rules;
    this.stalledAfter = stalledAfter;
    this.clock = clock;
    this.client = client;
  }

  @Override
  public FleetScan scanFleet() {
    Tenants tenants = Tenants.load(registry);
    List<Orphan> orphans = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (DatabaseServers.Server server : servers.all()) {
      heartbeat(server.id());
      TenantDatabaseInventory.Catalogue catalogue;
      try {
        catalogue = inventory.list(server);
      } catch (SQLException | RuntimeException e) {
        log.warn("reconcile: cannot read database server {}: {}", server.id(), e.toString());
        problems.add("database server " + server.id() + " could not be read: " + e.getMessage());
        continue;
      }
      for (String db : catalogue.databases()) {
        databaseOrphan(tenants, server.id(), db).ifPresent(orphans::add);
      }
      for (Map.Entry<String, List<String>> role : catalogue.roles().entrySet()) {
        roleOrphan(tenants, server.id(), role.getKey(), role.getValue()).ifPresent(orphans::add);
      }
      unscopedTrialDatabase(server, problems).ifPresent(orphans::add);
    }
    heartbeat("dns");
    try {
      for (DnsProvider.Published record : dns.list()) {
        dnsOrphan(tenants, record).ifPresent(orphans::add);
      }
    } catch (RuntimeException e) {
      log.warn("reconcile: cannot list DNS records: {}", e.toString());
      problems.add("DNS records could not be listed: " + e.getMessage());
    }
    for (UUID tenantId : secrets.tenants()) {
      secretOrphan(tenants, tenantId).ifPresent(orphans::add);
    }
    if (supabase != null) {
      heartbeat("supabase");
      try {
        for (SupabaseProjects.NamedProject p : supabase.platformProjects()) {
          projectOrphan(tenants, p).ifPresent(orphans::add);
        }
      } catch (RuntimeException e) {
        log.warn("reconcile: cannot list Supabase projects: {}", e.toString());
        problems.add("Supabase projects could not be listed: " + e.getMessage());
      }
    }
    log.info("reconcile: {} orphans, {} problems", orphans.size(), problems.size());
    return new FleetScan(orphans, problems);
  }

  /**
   * The server's shared trial database when a table in it lacks the isolation: reported as critical
   * (an error log; the report's kind drives the alert), or as a problem when it cannot be read.
   */
  private Optional<Orphan> unscopedTrialDatabase(
      DatabaseServers.Server server, List<String> problems) {
    List<String> gaps;
    try {
      gaps = inventory.trialIsolationGaps(server);
    } catch (SQLException | RuntimeException e) {
      log.warn(
          "reconcile: cannot check the trial database of server {}: {}", server.id(), e.toString());
      problems.add(
          "the trial database of server "
              + server.id()
              + " could not be checked: "
              + e.getMessage());
      return Optional.empty();
    }
    if (gaps.isEmpty()) {
      return Optional.empty();
    }
    log.error(
        "reconcile: CRITICAL: trial database {} on server {} is not scoped: {}",
        TrialSchema.DATABASE,
        server.id(),
        String.join("; ", gaps));
    return Optional.of(
        new Orphan(
            Orphan.UNSCOPED_TRIAL_DATABASE,
            TrialSchema.DATABASE,
            server.id(),
            null,
            "critical: trials may see each other's rows ("
                + String.join("; ", gaps)
                + "); routers refuse its trials until every table has tenant_id, forced row"
                + " level security and the trial_isolation policy (run a fleet rollout with the"
                + " table's db/trial migration)"));
  }

  @Override
  public List<Orphan> findStalledTenants() {
    WorkflowClient temporal =
        client != null ? client : Activity.getExecutionContext().getWorkflowClient();
    Instant before = clock.instant().minus(stalledAfter);
    List<Orphan> stalled = new ArrayList<>();
    for (Tenant t : registry.findByStatus(TenantStatus.IN_FLIGHT)) {
      if (t.updatedAt() != null && t.updatedAt().isAfter(before)) {
        continue;
      }
      String workflowId =
          t.status() == TenantStatus.DELETING
              ? OffboardTenantWorkflow.workflowId(t.tenantId())
              : ProvisionTenantWorkflow.workflowId(t.subdomain());
      String state = workflowState(temporal, workflowId);
      if (!"RUNNING".equals(state)) {
        stalled.add(
            new Orphan(
                Orphan.STALLED_TENANT,
                t.tenantId().toString(),
                null,
                t.tenantId(),
                "tenant is "
                    + t.status()
                    + " but its workflow "
                    + workflowId
                    + " is "
                    + state
                    + "; start it again or cancel the tenant"));
      }
    }
    return stalled;
  }

  private static String workflowState(WorkflowClient temporal, String workflowId) {
    try {
      WorkflowExecutionStatus status =
          temporal
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(temporal.getOptions().getNamespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build())
              .getWorkflowExecutionInfo()
              .getStatus();
      return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return "NOT_FOUND";
      }
      throw e;
    }
  }

  @Override
  public long recordReport(ReconcileReport report) {
    List<ReconcileReports.Item> items =
        report.orphans().stream()
            .map(
                o ->
                    new ReconcileReports.Item(
                        o.kind(), o.name(), o.serverId(), o.tenantId(), o.reason()))
            .toList();
    long id = reports.save(report.workflowId(), report.actor(), items, report.problems());
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("report_id", id);
    detail.put("workflow_id", report.workflowId());
    Map<String, Integer> byKind = new LinkedHashMap<>();
    for (String kind : Orphan.KINDS) {
      byKind.put(kind, 0);
    }
    for (Orphan o : report.orphans()) {
      byKind.merge(o.kind(), 1, Integer::sum);
    }
    detail.put("orphans", byKind);
    detail.put("problems", report.problems().size());
    audit.append(
        null,
        report.actor(),
        ACTION_REPORT,
        null,
        report.orphans().isEmpty() && report.problems().isEmpty() ? "clean" : "reported",
        detail);
    return id;
  }

  @Override
  public RemovalOutcome removeOrphan(OrphanRemoval removal) {
    RemovalOutcome outcome;
    try {
      outcome = remove(removal);
    } catch (SQLException e) {
      if ("2BP01".equals(e.getSQLState())) { // dependent_objects_still_exist
        outcome =
            RemovalOutcome.refused(
                "PostgreSQL refuses: " + e.getMessage() + "; remove what depends on it first");
      } else {
        throw StepFailure.of(
            FailureType.UNAVAILABLE,
            "removing " + removal.kind() + " " + removal.name() + " failed: " + e.getMessage());
      }
    }
    if (outcome.removed()) {
      reports.markRemoved(removal.kind(), removal.name());
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("kind", removal.kind());
    detail.put("name", removal.name());
    if (removal.serverId() != null) {
      detail.put("server_id", removal.serverId());
    }
    if (outcome.reason() != null) {
      detail.put("reason", outcome.reason());
    }
    audit.append(
        null,
        removal.actor(),
        ACTION_REMOVE,
        null,
        outcome.removed() ? "removed" : "refused",
        detail);
    log.info(
        "orphan {} {} {} by {}",
        removal.kind(),
        removal.name(),
        outcome.removed() ? "removed" : "not removed",
        removal.actor());
    return outcome;
  }

  private RemovalOutcome remove(OrphanRemoval r) throws SQLException {
    Tenants tenants = Tenants.load(registry);
    switch (r.kind()) {
      case Orphan.DATABASE, Orphan.ROLE -> {
        Optional<DatabaseServers.Server> server =
            r.serverId() == null ? Optional.empty() : servers.find(r.serverId());
        if (server.isEmpty()) {
          return RemovalOutcome.refused("database server " + r.serverId() + " is not registered");
        }
        TenantDatabaseInventory.Catalogue catalogue = inventory.list(server.get());
        if (r.kind().equals(Orphan.DATABASE)) {
          if (!catalogue.databases().contains(r.name())) {
            return RemovalOutcome.done(); // gone already
          }
          Optional<Orphan> still = databaseOrphan(tenants, r.serverId(), r.name());
          if (still.isEmpty()) {
            return notAnOrphan(r);
          }
          inventory.dropDatabase(server.get(), r.name());
        } else {
          List<String> reach = catalogue.roles().get(r.name());
          if (reach == null) {
            return RemovalOutcome.done();
          }
          if (roleOrphan(tenants, r.serverId(), r.name(), reach).isEmpty()) {
            return notAnOrphan(r);
          }
          inventory.dropRole(server.get(), r.name());
        }
        return RemovalOutcome.done();
      }
      case Orphan.DNS_RECORD -> {
        String name = DnsProvider.canonical(r.name());
        Optional<DnsProvider.Published> record =
            dns.list().stream().filter(p -> p.name().equals(name)).findFirst();
        if (record.isEmpty()) {
          return RemovalOutcome.done();
        }
        if (dnsOrphan(tenants, record.get()).isEmpty()) {
          return notAnOrphan(r);
        }
        dns.delete(record.get().tenantId(), name);
        return RemovalOutcome.done();
      }
      case Orphan.STAGED_SECRET -> {
        UUID tenantId;
        try {
          tenantId = UUID.fromString(r.name());
        } catch (IllegalArgumentException e) {
          return RemovalOutcome.refused("a staged secret is named by its tenant id");
        }
        if (secretOrphan(tenants, tenantId).isEmpty()) {
          return notAnOrphan(r);
        }
        secrets.deleteAll(tenantId);
        return RemovalOutcome.done();
      }
      case Orphan.PROVIDER_PROJECT -> {
        if (supabase == null) {
          return RemovalOutcome.refused("this worker has no Supabase settings");
        }
        Optional<SupabaseProjects.NamedProject> project =
            supabase.platformProjects().stream().filter(p -> p.ref().equals(r.name())).findFirst();
        if (project.isEmpty()) {
          return RemovalOutcome.done(); // gone already
        }
        if (projectOrphan(tenants, project.get()).isEmpty()) {
          return notAnOrphan(r);
        }
        supabase.deleteProject(r.name());
        return RemovalOutcome.done();
      }
      default -> {
        return RemovalOutcome.refused(
            "orphans of kind "
                + r.kind()
                + " are not removed here; removable kinds: "
                + String.join(", ", Orphan.REMOVABLE));
      }
    }
  }

  private static RemovalOutcome notAnOrphan(OrphanRemoval r) {
    return RemovalOutcome.refused(
        r.kind() + " " + r.name() + " belongs to a live tenant now; it is not an orphan");
  }

  private Optional<Orphan> databaseOrphan(Tenants tenants, String serverId, String database) {
    Matcher m = TenantDatabaseNames.DATABASE.matcher(database);
    if (!m.matches()) {
      return Optional.empty();
    }
    UUID id = TenantDatabaseNames.idOfHex(m.group(1));
    return tenants
        .orphanReason(id)
        .map(reason -> new Orphan(Orphan.DATABASE, database, serverId, id, reason));
  }

  private Optional<Orphan> roleOrphan(
      Tenants tenants, String serverId, String role, List<String> reach) {
    for (String db : reach) {
      Matcher m = TenantDatabaseNames.DATABASE.matcher(db);
      if (m.matches() && tenants.orphanReason(TenantDatabaseNames.idOfHex(m.group(1))).isEmpty()) {
        return Optional.empty(); // it can still reach a live tenant's data: not ours to drop
      }
    }
    Matcher current = TenantDatabaseNames.ROLE.matcher(role);
    if (current.matches()) {
      UUID id = TenantDatabaseNames.idOfHex(current.group(1));
      return tenants
          .orphanReason(id)
          .map(reason -> new Orphan(Orphan.ROLE, role, serverId, id, reason));
    }
    Matcher legacy = TenantDatabaseNames.LEGACY_ROLE.matcher(role);
    if (legacy.matches()) {
      if (tenants.anyLiveWithPrefix(legacy.group(1))) {
        return Optional.empty();
      }
      return Optional.of(
          new Orphan(
              Orphan.ROLE,
              role,
              serverId,
              null,
              "no live tenant has an id starting " + legacy.group(1)));
    }
    return Optional.empty();
  }

  private Optional<Orphan> dnsOrphan(Tenants tenants, DnsProvider.Published record) {
    Optional<String> label = rules.extract(record.name()).filter(rules::isValid);
    if (label.isEmpty()) {
      return Optional.empty(); // the apex, a deeper name, or a reserved one: not a tenant's
    }
    Tenant holder = tenants.bySubdomain.get(label.get());
    if (holder != null) {
      return Optional.empty();
    }
    return Optional.of(
        new Orphan(
            Orphan.DNS_RECORD,
            record.name(),
            null,
            record.tenantId(),
            "no live tenant holds the subdomain " + label.get()));
  }

  /**
   * A platform-named project is its tenant's only when the tenant is live and has recorded it (or
   * has recorded none yet: its create may be under way).
   */
  private static Optional<Orphan> projectOrphan(Tenants tenants, SupabaseProjects.NamedProject p) {
    Optional<String> reason = tenants.orphanReason(p.tenantId());
    if (reason.isEmpty() && p.recordedRef() != null && !p.recordedRef().equals(p.ref())) {
      reason =
          Optional.of(
              "tenant "
                  + p.tenantId()
                  + " owns Supabase project "
                  + p.recordedRef()
                  + ", not this one (a create whose answer was lost)");
    }
    return reason.map(
        why ->
            new Orphan(
                Orphan.PROVIDER_PROJECT,
                p.ref(),
                null,
                p.tenantId(),
                "Supabase project " + p.name() + ": " + why));
  }

  private Optional<Orphan> secretOrphan(Tenants tenants, UUID tenantId) {
    return tenants
        .orphanReason(tenantId)
        .map(
            reason ->
                new Orphan(Orphan.STAGED_SECRET, tenantId.toString(), null, tenantId, reason));
  }

  private static void heartbeat(String progress) {
    if (CurrentActivity.info().isPresent()) {
      Activity.getExecutionContext().heartbeat(progress);
    }
  }

  /** The registry as one snapshot. */
  private static final class Tenants {
    final Map<UUID, Tenant> byId = new HashMap<>();
    final Map<String, Tenant> bySubdomain = new HashMap<>();

    static Tenants load(TenantRegistry registry) {
      Tenants t = new Tenants();
      for (Tenant tenant : registry.findByStatus(EnumSet.allOf(TenantStatus.class))) {
        t.byId.put(tenant.tenantId(), tenant);
        if (TenantStatus.HOLDING_SUBDOMAIN.contains(tenant.status())) {
          t.bySubdomain.put(tenant.subdomain(), tenant);
        }
      }
      return t;
    }

    /** Why the tenant does not own objects named for it, or empty if it does (it is live). */
    Optional<String> orphanReason(UUID tenantId) {
      Tenant t = byId.get(tenantId);
      if (t == null) {
        return Optional.of("no tenant has the id " + tenantId);
      }
      if (!TenantStatus.HOLDING_SUBDOMAIN.contains(t.status())) {
        return Optional.of("tenant " + tenantId + " is " + t.status());
      }
      // A live tenant's name on another server than its own is left alone too: two server rows
      // may name the same cluster, and dropping it there would drop the tenant's data.
      return Optional.empty();
    }

    boolean anyLiveWithPrefix(String hexPrefix) {
      return byId.values().stream()
          .anyMatch(
              t ->
                  TenantDatabaseNames.hex(t.tenantId()).startsWith(hexPrefix)
                      && orphanReason(t.tenantId()).isEmpty());
    }
  }
}
