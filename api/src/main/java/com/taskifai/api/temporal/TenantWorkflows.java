package com.taskifai.api.temporal;

import com.taskifai.api.ApiSettings;
import com.taskifai.api.metrics.PlatformMetrics;
import com.taskifai.registry.Tenant;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.WorkflowIds;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.lifecycle.InviteTenantAdminWorkflow;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflow;
import com.taskifai.workflows.lifecycle.ReactivateTenantWorkflow;
import com.taskifai.workflows.lifecycle.SuspendTenantWorkflow;
import com.taskifai.workflows.lifecycle.TenantOperation;
import com.taskifai.workflows.provisioning.EmailVerified;
import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflow;
import com.taskifai.workflows.provisioning.ProvisioningProgress;
import com.taskifai.workflows.provisioning.ProvisioningResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.workflow.Functions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Everything the tenants API asks of Temporal: start, signal, query and cancel the tenant
 * workflows, and read their histories. Workflows carry a memo with the company name and, where the
 * server has them registered, the TenantId and Subdomain search attributes. Every call runs under
 * {@link TemporalCalls}' deadline (503 {@code temporal_unavailable} when Temporal is down).
 */
@Component
public class TenantWorkflows {
  private static final Logger log = LoggerFactory.getLogger(TenantWorkflows.class);

  /** The search attribute that names a workflow's tenant. */
  public static final SearchAttributeKey<String> TENANT_ID =
      SearchAttributeKey.forKeyword("TenantId");

  /** The search attribute that names a workflow's subdomain. */
  public static final SearchAttributeKey<String> SUBDOMAIN =
      SearchAttributeKey.forKeyword("Subdomain");

  private final TemporalCalls calls;
  private final WorkflowClient client;
  private final ApiSettings settings;
  private final PlatformMetrics metrics;
  private final Clock clock;

  TenantWorkflows(TemporalCalls calls, ApiSettings settings, PlatformMetrics metrics, Clock clock) {
    this.calls = calls;
    this.client = calls.client();
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Starts provisioning; throws Temporal's already-started exception when one runs already. A fault
   * to inject (tests and demos; null normally) travels in the workflow's memo, never in an input.
   */
  public String startProvisioning(ProvisionTenantRequest request, String injectFault) {
    String id = WorkflowIds.provision(request.subdomain());
    WorkflowOptions.Builder options =
        options(id, request.tenantId().toString(), request.subdomain(), request.companyName())
            // A tenant that FAILED frees its subdomain, so a new request may reuse the id.
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    // The fault to inject joins the memo (tenant_id, subdomain, company_name), never replaces it.
    Map<String, Object> memo = new LinkedHashMap<>(options.build().getMemo());
    memo.putAll(FaultInjection.memo(injectFault));
    ProvisionTenantWorkflow stub =
        client.newWorkflowStub(ProvisionTenantWorkflow.class, options.setMemo(memo).build());
    WorkflowExecution execution =
        calls.call("the start of " + id, () -> WorkflowClient.start(stub::provision, request));
    metrics.provisioningStarted();
    watch(execution);
    return id;
  }

  /** Counts the provisioning's outcome and duration when it ends (while this process runs). */
  private void watch(WorkflowExecution execution) {
    Instant started = clock.instant();
    client
        .newUntypedWorkflowStub(
            execution.getWorkflowId(), Optional.of(execution.getRunId()), Optional.empty())
        .getResultAsync(ProvisioningResult.class)
        .whenComplete(
            (result, failure) -> {
              Duration took = Duration.between(started, clock.instant());
              if (result != null) {
                metrics.provisioningFinished(result.status().name(), took);
              } else if (failure instanceof WorkflowFailedException) {
                metrics.provisioningFinished("FAILED", took);
              }
            });
  }

  public String startSuspend(Tenant tenant, String actor) {
    return start(
        SuspendTenantWorkflow.class,
        options(tenant, WorkflowIds.suspend(tenant.tenantId(), clock.millis())).build(),
        w -> w::suspend,
        operation(tenant, actor));
  }

  public String startAdminInvite(Tenant tenant, String actor) {
    return start(
        InviteTenantAdminWorkflow.class,
        options(tenant, WorkflowIds.adminInvite(tenant.tenantId(), clock.millis())).build(),
        w -> w::invite,
        operation(tenant, actor));
  }

  public String startReactivate(Tenant tenant, String actor) {
    return start(
        ReactivateTenantWorkflow.class,
        options(tenant, WorkflowIds.reactivate(tenant.tenantId(), clock.millis())).build(),
        w -> w::reactivate,
        operation(tenant, actor));
  }

  /**
   * Starts offboarding; when an offboarding of this tenant runs already, it is the answer (the
   * workflow is idempotent and resumable).
   */
  public String startOffboard(Tenant tenant, String actor) {
    return startOffboard(tenant, actor, false);
  }

  /**
   * Starts offboarding, with or without the final backup ({@code skipFinalBackup}: an admin's
   * explicit choice, audited).
   */
  public String startOffboard(Tenant tenant, String actor, boolean skipFinalBackup) {
    return startOffboard(tenant, actor, skipFinalBackup, null, 0);
  }

  /**
   * Starts offboarding; {@code finalExportId} (null for none) names the REQUESTED export the
   * offboarding fills before the database is dropped, its first link working {@code
   * linkTtlSeconds}.
   */
  public String startOffboard(
      Tenant tenant,
      String actor,
      boolean skipFinalBackup,
      java.util.UUID finalExportId,
      long linkTtlSeconds) {
    String id = WorkflowIds.offboard(tenant.tenantId());
    try {
      start(
          OffboardTenantWorkflow.class,
          options(tenant, id)
              .setWorkflowIdReusePolicy(
                  WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
              .build(),
          w -> w::offboard,
          new TenantOperation(
              tenant.tenantId(),
              tenant.subdomain(),
              actor,
              skipFinalBackup,
              finalExportId,
              linkTtlSeconds));
    } catch (WorkflowAlreadyRunning running) {
      log.info("offboarding {} runs already", id);
    }
    return id;
  }

  /**
   * Starts a tenant lifecycle workflow of {@code type} with {@code options} under the deadline:
   * {@code method} names its workflow method, which takes the operation. Answers the workflow id.
   */
  private <W> String start(
      Class<W> type,
      WorkflowOptions options,
      Function<W, Functions.Func1<TenantOperation, String>> method,
      TenantOperation operation) {
    W stub = client.newWorkflowStub(type, options);
    calls.call(
        "the start of " + options.getWorkflowId(),
        () -> WorkflowClient.start(method.apply(stub), operation));
    return options.getWorkflowId();
  }

  /** Cancels the tenant's provisioning; the workflow compensates what it did. */
  public String cancelProvisioning(Tenant tenant) {
    String id = WorkflowIds.provision(tenant.subdomain());
    calls.run("the cancellation of " + id, () -> client.newUntypedWorkflowStub(id).cancel());
    return id;
  }

  /** Tells the provisioning workflow that the admin opened the verification link. */
  public void signalVerified(Tenant tenant, String verifiedBy) {
    String id = WorkflowIds.provision(tenant.subdomain());
    calls.run(
        "the verification signal to " + id,
        () ->
            client
                .newWorkflowStub(ProvisionTenantWorkflow.class, id)
                .emailVerified(new EmailVerified(verifiedBy)));
  }

  /**
   * The provisioning workflow's progress for this tenant, or empty when the workflow is gone, does
   * not answer in time, or belongs to another tenant that once had the subdomain. Right after a
   * call found Temporal unreachable it is not asked again for a few seconds.
   */
  public Optional<ProvisioningProgress> progress(Tenant tenant) {
    if (calls.recentlyUnreachable()) {
      return Optional.empty();
    }
    String id = WorkflowIds.provision(tenant.subdomain());
    try {
      return calls
          .query(id, () -> client.newWorkflowStub(ProvisionTenantWorkflow.class, id).progress())
          .filter(p -> p.tenantId() == null || p.tenantId().equals(tenant.tenantId()));
    } catch (RuntimeException e) {
      log.debug("progress query of {} failed: {}", id, e.toString());
      return Optional.empty();
    }
  }

  /** True when Temporal knows a workflow with this id (running or closed). */
  public boolean exists(String workflowId) {
    try {
      calls.call(
          "the description of " + workflowId,
          () ->
              client
                  .getWorkflowServiceStubs()
                  .blockingStub()
                  .describeWorkflowExecution(
                      DescribeWorkflowExecutionRequest.newBuilder()
                          .setNamespace(settings.temporalNamespace())
                          .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                          .build()));
      return true;
    } catch (WorkflowNotFound e) {
      return false;
    }
  }

  /** The complete history of a workflow's latest run. */
  public WorkflowExecutionHistory history(String workflowId) {
    return calls.call("the history of " + workflowId, () -> client.fetchHistory(workflowId));
  }

  /** The memo value of a running workflow, under the call timeout. */
  public Object memo(String workflowId, String key) {
    return calls.call(
        "the description of " + workflowId,
        () -> client.newUntypedWorkflowStub(workflowId).describe().getMemo(key, String.class));
  }

  /** Whether the API's last call to Temporal found it unreachable a moment ago. */
  public boolean recentlyUnreachable() {
    return calls.recentlyUnreachable();
  }

  private WorkflowOptions.Builder options(Tenant tenant, String id) {
    return tenantOptions(tenant, id, settings.searchAttributes());
  }

  private WorkflowOptions.Builder options(
      String id, String tenantId, String subdomain, String companyName) {
    return tenantOptions(id, tenantId, subdomain, companyName, settings.searchAttributes());
  }

  /**
   * The options of a workflow about one tenant: its id, the platform task queue, the tenant in the
   * memo (company name, tenant id, subdomain) and, when the server has them, in the search
   * attributes.
   */
  static WorkflowOptions.Builder tenantOptions(Tenant tenant, String id, boolean searchAttributes) {
    return tenantOptions(
        id,
        tenant.tenantId().toString(),
        tenant.subdomain(),
        tenant.companyName(),
        searchAttributes);
  }

  private static WorkflowOptions.Builder tenantOptions(
      String id, String tenantId, String subdomain, String companyName, boolean searchAttributes) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("company_name", companyName);
    memo.put("tenant_id", tenantId);
    memo.put("subdomain", subdomain);
    WorkflowOptions.Builder b =
        WorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(TaskQueues.PLATFORM)
            .setMemo(memo);
    if (searchAttributes) {
      b.setTypedSearchAttributes(
          SearchAttributes.newBuilder().set(TENANT_ID, tenantId).set(SUBDOMAIN, subdomain).build());
    }
    return b;
  }

  private static TenantOperation operation(Tenant tenant, String actor) {
    return new TenantOperation(tenant.tenantId(), tenant.subdomain(), actor);
  }
}
