package com.taskifai.api.tenants;

import com.taskifai.api.ApiSettings;
import com.taskifai.api.metrics.PlatformMetrics;
import com.taskifai.registry.Tenant;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.common.WorkflowExecutionHistory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Everything the admin API asks of Temporal: start, signal, query and cancel the tenant workflows,
 * and read their histories. Workflows carry a memo with the company name and, where the server has
 * them registered, the TenantId and Subdomain search attributes.
 */
@Component
public class TenantWorkflows {
  private static final Logger log = LoggerFactory.getLogger(TenantWorkflows.class);
  static final SearchAttributeKey<String> TENANT_ID = SearchAttributeKey.forKeyword("TenantId");
  static final SearchAttributeKey<String> SUBDOMAIN = SearchAttributeKey.forKeyword("Subdomain");
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(3);

  private final WorkflowClient client;
  private final ApiSettings settings;
  private final PlatformMetrics metrics;
  private final Clock clock;
  // Queries wait for a worker; a bounded wait keeps the API answering when no worker runs.
  private final ExecutorService queries =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "tenant-workflow-query");
            t.setDaemon(true);
            return t;
          });

  TenantWorkflows(
      WorkflowClient client, ApiSettings settings, PlatformMetrics metrics, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Starts provisioning; throws Temporal's already-started exception when one runs already. A fault
   * to inject (tests and demos; null normally) travels in the workflow's memo, never in an input.
   */
  public String startProvisioning(ProvisionTenantRequest request, String injectFault) {
    String id = ProvisionTenantWorkflow.workflowId(request.subdomain());
    ProvisionTenantWorkflow stub =
        client.newWorkflowStub(
            ProvisionTenantWorkflow.class,
            options(id, request.tenantId().toString(), request.subdomain(), request.companyName())
                // A tenant that FAILED frees its subdomain, so a new request may reuse the id.
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .setMemo(FaultInjection.memo(injectFault))
                .build());
    WorkflowExecution execution = WorkflowClient.start(stub::provision, request);
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
              } else if (failure instanceof io.temporal.client.WorkflowFailedException) {
                metrics.provisioningFinished("FAILED", took);
              }
            });
  }

  public String startSuspend(Tenant tenant, String actor) {
    String id = WorkflowIds.suspend(tenant.tenantId(), clock.millis());
    SuspendTenantWorkflow stub =
        client.newWorkflowStub(SuspendTenantWorkflow.class, options(tenant, id).build());
    WorkflowClient.start(stub::suspend, operation(tenant, actor));
    return id;
  }

  public String startAdminInvite(Tenant tenant, String actor) {
    String id = WorkflowIds.adminInvite(tenant.tenantId(), clock.millis());
    InviteTenantAdminWorkflow stub =
        client.newWorkflowStub(InviteTenantAdminWorkflow.class, options(tenant, id).build());
    WorkflowClient.start(stub::invite, operation(tenant, actor));
    return id;
  }

  public String startReactivate(Tenant tenant, String actor) {
    String id = WorkflowIds.reactivate(tenant.tenantId(), clock.millis());
    ReactivateTenantWorkflow stub =
        client.newWorkflowStub(ReactivateTenantWorkflow.class, options(tenant, id).build());
    WorkflowClient.start(stub::reactivate, operation(tenant, actor));
    return id;
  }

  /**
   * Starts offboarding; when an offboarding of this tenant runs already, it is the answer (the
   * workflow is idempotent and resumable).
   */
  public String startOffboard(Tenant tenant, String actor) {
    String id = OffboardTenantWorkflow.workflowId(tenant.tenantId());
    OffboardTenantWorkflow stub =
        client.newWorkflowStub(
            OffboardTenantWorkflow.class,
            options(tenant, id)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(stub::offboard, operation(tenant, actor));
    } catch (io.temporal.client.WorkflowExecutionAlreadyStarted running) {
      log.info("offboarding {} runs already", id);
    }
    return id;
  }

  /** Cancels the tenant's provisioning; the workflow compensates what it did. */
  public String cancelProvisioning(Tenant tenant) {
    String id = ProvisionTenantWorkflow.workflowId(tenant.subdomain());
    client.newUntypedWorkflowStub(id).cancel();
    return id;
  }

  /** Tells the provisioning workflow that the admin opened the verification link. */
  public void signalVerified(Tenant tenant, String verifiedBy) {
    client
        .newWorkflowStub(
            ProvisionTenantWorkflow.class, ProvisionTenantWorkflow.workflowId(tenant.subdomain()))
        .emailVerified(new EmailVerified(verifiedBy));
  }

  /**
   * The provisioning workflow's progress for this tenant, or empty when the workflow is gone, does
   * not answer in time, or belongs to another tenant that once had the subdomain.
   */
  public Optional<ProvisioningProgress> progress(Tenant tenant) {
    String id = ProvisionTenantWorkflow.workflowId(tenant.subdomain());
    CompletableFuture<ProvisioningProgress> answer =
        CompletableFuture.supplyAsync(
            () -> client.newWorkflowStub(ProvisionTenantWorkflow.class, id).progress(), queries);
    try {
      ProvisioningProgress p = answer.get(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (p == null || (p.tenantId() != null && !p.tenantId().equals(tenant.tenantId()))) {
        return Optional.empty();
      }
      return Optional.of(p);
    } catch (Exception e) {
      answer.cancel(true);
      log.debug("progress query of {} failed: {}", id, e.toString());
      return Optional.empty();
    }
  }

  /** True when Temporal knows a workflow with this id (running or closed). */
  public boolean exists(String workflowId) {
    try {
      client
          .getWorkflowServiceStubs()
          .blockingStub()
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(settings.temporalNamespace())
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                  .build());
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /** The complete history of a workflow's latest run. */
  public WorkflowExecutionHistory history(String workflowId) {
    return client.fetchHistory(workflowId);
  }

  /** A stub for the workflow with this id, for status checks. */
  WorkflowStub untyped(String workflowId) {
    return client.newUntypedWorkflowStub(workflowId);
  }

  private WorkflowOptions.Builder options(Tenant tenant, String id) {
    return options(id, tenant.tenantId().toString(), tenant.subdomain(), tenant.companyName());
  }

  private WorkflowOptions.Builder options(
      String id, String tenantId, String subdomain, String companyName) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("company_name", companyName);
    memo.put("tenant_id", tenantId);
    memo.put("subdomain", subdomain);
    WorkflowOptions.Builder b =
        WorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(ProvisionTenantWorkflow.TASK_QUEUE)
            .setMemo(memo);
    if (settings.searchAttributes()) {
      b.setTypedSearchAttributes(
          SearchAttributes.newBuilder().set(TENANT_ID, tenantId).set(SUBDOMAIN, subdomain).build());
    }
    return b;
  }

  private static TenantOperation operation(Tenant tenant, String actor) {
    return new TenantOperation(tenant.tenantId(), tenant.subdomain(), actor);
  }
}
