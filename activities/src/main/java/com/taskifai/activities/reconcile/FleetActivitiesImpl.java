package com.taskifai.activities.reconcile;

import com.taskifai.activities.CurrentActivity;
import com.taskifai.activities.StagedSecrets;
import com.taskifai.activities.StepFailure;
import com.taskifai.activities.database.TenantDatabaseInventory;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.activities.dns.DnsProvider;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantOperations;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
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
  private final TenantOperations operations;

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
    this(
        registry,
        servers,
        inventory,
        dns,
        secrets,
        reports,
        audit,
        rules,
        stalledAfter,
        clock,
        client,
        supabase,
        null);
  }

  /**
   * @param operations the tenants' running operations, so an online move's replication that a
   *     running move owns is no orphan; null lists only those of tenants that are gone
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
      SupabaseProjects supabase,
      TenantOperations operations) {
    this.operations = operations;
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
    FleetSnapshot tenants = FleetSnapshot.load(registry, rules);
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
        tenants.databaseOrphan(server.id(), db).ifPresent(orphans::add);
      }
      for (Map.Entry<String, List<String>> role : catalogue.roles().entrySet()) {
        tenants.roleOrphan(server.id(), role.getKey(), role.getValue()).ifPresent(orphans::add);
      }
      unscopedTrialDatabase(server, problems).ifPresent(orphans::add);
      try {
        for (Map.Entry<String, List<String>> left : inventory.moveReplication(server).entrySet()) {
          moveReplicationOrphan(tenants, server.id(), left.getKey(), left.getValue())
              .ifPresent(orphans::add);
        }
      } catch (SQLException | RuntimeException e) {
        log.warn("reconcile: cannot list replication on {}: {}", server.id(), e.toString());
        problems.add("replication on database server " + server.id() + " could not be read: " + e);
      }
    }
    heartbeat("dns");
    try {
      for (DnsProvider.Published record : dns.list()) {
        tenants.dnsOrphan(record).ifPresent(orphans::add);
      }
    } catch (RuntimeException e) {
      log.warn("reconcile: cannot list DNS records: {}", e.toString());
      problems.add("DNS records could not be listed: " + e.getMessage());
    }
    for (UUID tenantId : secrets.tenants()) {
      tenants.secretOrphan(tenantId).ifPresent(orphans::add);
    }
    if (supabase != null) {
      heartbeat("supabase");
      try {
        for (SupabaseProjects.NamedProject p : supabase.platformProjects()) {
          tenants.projectOrphan(p).ifPresent(orphans::add);
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
    FleetSnapshot tenants = FleetSnapshot.load(registry, rules);
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
          Optional<Orphan> still = tenants.databaseOrphan(r.serverId(), r.name());
          if (still.isEmpty()) {
            return notAnOrphan(r);
          }
          inventory.dropDatabase(server.get(), r.name());
        } else {
          List<String> reach = catalogue.roles().get(r.name());
          if (reach == null) {
            return RemovalOutcome.done();
          }
          if (tenants.roleOrphan(r.serverId(), r.name(), reach).isEmpty()) {
            return notAnOrphan(r);
          }
          inventory.dropRole(server.get(), r.name());
        }
        return RemovalOutcome.done();
      }
      case Orphan.MOVE_REPLICATION -> {
        Optional<DatabaseServers.Server> server =
            r.serverId() == null ? Optional.empty() : servers.find(r.serverId());
        if (server.isEmpty()) {
          return RemovalOutcome.refused("database server " + r.serverId() + " is not registered");
        }
        List<String> parts = inventory.moveReplication(server.get()).get(r.name());
        if (parts == null) {
          return RemovalOutcome.done(); // gone already
        }
        if (moveReplicationOrphan(tenants, r.serverId(), r.name(), parts).isEmpty()) {
          return notAnOrphan(r);
        }
        inventory.dropMoveReplication(server.get(), r.name());
        return RemovalOutcome.done();
      }
      case Orphan.DNS_RECORD -> {
        String name = DnsProvider.canonical(r.name());
        Optional<DnsProvider.Published> record =
            dns.list().stream().filter(p -> p.name().equals(name)).findFirst();
        if (record.isEmpty()) {
          return RemovalOutcome.done();
        }
        if (tenants.dnsOrphan(record.get()).isEmpty()) {
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
        if (tenants.secretOrphan(tenantId).isEmpty()) {
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
        if (tenants.projectOrphan(project.get()).isEmpty()) {
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

  /**
   * What an online move or promotion left is an orphan when its tenant is gone, or (with the
   * operations known) when the tenant runs no move or promotion that could own it.
   */
  private Optional<Orphan> moveReplicationOrphan(
      FleetSnapshot tenants, String serverId, String name, List<String> parts) {
    Optional<UUID> tenant = TenantDatabaseInventory.moveTenant(name);
    if (tenant.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> reason = tenants.orphanReason(tenant.get());
    if (reason.isEmpty() && operations != null) {
      Optional<TenantOperations.Held> held = operations.current(tenant.get());
      // An online promotion replicates under the same name as a move.
      if (held.isEmpty() || !List.of("MOVING", "PROMOTING").contains(held.get().operation())) {
        reason = Optional.of("tenant " + tenant.get() + " runs no move or promotion");
      }
    }
    return reason.map(
        why ->
            new Orphan(
                Orphan.MOVE_REPLICATION,
                name,
                serverId,
                tenant.get(),
                String.join(", ", parts) + ": " + why));
  }

  private static RemovalOutcome notAnOrphan(OrphanRemoval r) {
    return RemovalOutcome.refused(
        r.kind() + " " + r.name() + " belongs to a live tenant now; it is not an orphan");
  }

  private static void heartbeat(String progress) {
    if (CurrentActivity.info().isPresent()) {
      Activity.getExecutionContext().heartbeat(progress);
    }
  }
}
