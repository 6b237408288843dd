package com.taskifai.worker;

import com.taskifai.registry.TenantExports;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.export.ExportTenantWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the export workflows the tenants' own admins asked for on the routed API ({@code POST
 * /api/export}): the router, which has no Temporal client, records a REQUESTED {@code 'tenant'}
 * row, and this starts {@link ExportTenantWorkflow} for it, every few seconds on a daemon thread.
 * The workflow id is the export's business key: a row whose workflow runs already is refused by
 * Temporal and skipped, so several workers may scan at once.
 */
public final class TenantExportStarter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TenantExportStarter.class);

  /** How long the first download link works: the admin API's setting, default 24 h. */
  static final String LINK_TTL_ENV = "TASKIFAI_EXPORT_LINK_TTL";

  private final WorkflowClient client;
  private final TenantExports exports;
  private final Duration linkTtl;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "taskifai-tenant-exports");
            t.setDaemon(true);
            return t;
          });

  public TenantExportStarter(WorkflowClient client, TenantExports exports, Duration linkTtl) {
    this.client = client;
    this.exports = exports;
    this.linkTtl = linkTtl;
  }

  /** The link TTL from {@code TASKIFAI_EXPORT_LINK_TTL} (ISO-8601 or {@code 24h}), else 24 h. */
  public static Duration linkTtl(Map<String, String> env) {
    String value = env.get(LINK_TTL_ENV);
    return value == null || value.isBlank()
        ? Duration.ofHours(24)
        : org.springframework.boot.convert.DurationStyle.detectAndParse(value.strip());
  }

  /** Starts the workflow of every REQUESTED tenant export (up to 100); returns how many. */
  public int startRequested() {
    int started = 0;
    for (TenantExports.Export e : exports.tenantRequests(100)) {
      String id = ExportTenantWorkflow.workflowId(e.tenantId(), e.exportId());
      ExportTenantWorkflow stub =
          client.newWorkflowStub(
              ExportTenantWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(TaskQueues.PLATFORM)
                  .setWorkflowId(id)
                  .build());
      try {
        WorkflowClient.start(
            stub::export,
            new ExportTenantWorkflow.ExportRequest(
                e.tenantId(), e.exportId(), e.requestedBy(), Math.max(1, linkTtl.toSeconds())));
        started++;
        log.info("tenant {}: started export {} the tenant's admin asked for", e.tenantId(), id);
      } catch (WorkflowExecutionAlreadyStarted running) {
        // Started by an earlier scan (or another worker); its first step marks the row RUNNING.
      }
    }
    return started;
  }

  /** Scans now and then every {@code interval}; a failed scan is logged and the next one tries. */
  public TenantExportStarter startEvery(Duration interval) {
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            startRequested();
          } catch (RuntimeException e) {
            log.warn("starting the tenants' requested exports failed: {}", e.toString());
          }
        },
        0,
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
