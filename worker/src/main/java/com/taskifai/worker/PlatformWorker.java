package com.taskifai.worker;

import com.taskifai.activities.PlatformActivities;
import com.taskifai.workflows.HeartbeatTimeoutCap;
import com.taskifai.workflows.TaskQueues;
import com.taskifai.workflows.backup.BackupScheduleWorkflowImpl;
import com.taskifai.workflows.backup.BackupTenantWorkflowImpl;
import com.taskifai.workflows.backup.DeleteBackupWorkflowImpl;
import com.taskifai.workflows.backup.RestoreTenantWorkflowImpl;
import com.taskifai.workflows.backup.ScheduledBackupWorkflowImpl;
import com.taskifai.workflows.client.TemporalTracing;
import com.taskifai.workflows.costs.CostSampleWorkflowImpl;
import com.taskifai.workflows.faults.FaultInjection;
import com.taskifai.workflows.lifecycle.InviteTenantAdminWorkflowImpl;
import com.taskifai.workflows.lifecycle.OffboardTenantWorkflowImpl;
import com.taskifai.workflows.lifecycle.ReactivateTenantWorkflowImpl;
import com.taskifai.workflows.lifecycle.SuspendTenantWorkflowImpl;
import com.taskifai.workflows.migration.EnableExtensionWorkflowImpl;
import com.taskifai.workflows.migration.MigrateFleetWorkflowImpl;
import com.taskifai.workflows.migration.TenantMigrateWorkflowImpl;
import com.taskifai.workflows.move.DrainServerWorkflowImpl;
import com.taskifai.workflows.move.MoveTenantWorkflowImpl;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflowImpl;
import com.taskifai.workflows.reconcile.ReconcileFleetWorkflowImpl;
import com.taskifai.workflows.reconcile.RemoveOrphanWorkflowImpl;
import com.taskifai.workflows.trial.PromoteTenantWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The platform's Temporal worker: every platform workflow and the given activity implementations on
 * {@link TaskQueues#PLATFORM}. {@link #start()} begins polling; {@link #close()} stops it and waits
 * briefly for running tasks.
 */
public final class PlatformWorker implements AutoCloseable {

  /** The workflow implementations the platform runs. */
  static final List<Class<?>> WORKFLOW_TYPES =
      List.of(
          ProvisionTenantWorkflowImpl.class,
          SuspendTenantWorkflowImpl.class,
          ReactivateTenantWorkflowImpl.class,
          OffboardTenantWorkflowImpl.class,
          ReconcileFleetWorkflowImpl.class,
          RemoveOrphanWorkflowImpl.class,
          InviteTenantAdminWorkflowImpl.class,
          BackupTenantWorkflowImpl.class,
          RestoreTenantWorkflowImpl.class,
          BackupScheduleWorkflowImpl.class,
          ScheduledBackupWorkflowImpl.class,
          DeleteBackupWorkflowImpl.class,
          MigrateFleetWorkflowImpl.class,
          TenantMigrateWorkflowImpl.class,
          EnableExtensionWorkflowImpl.class,
          MoveTenantWorkflowImpl.class,
          DrainServerWorkflowImpl.class,
          CostSampleWorkflowImpl.class,
          PromoteTenantWorkflowImpl.class,
          com.taskifai.workflows.pitr.BaseBackupScheduleWorkflowImpl.class,
          com.taskifai.workflows.pitr.RestoreToTimeWorkflowImpl.class,
          com.taskifai.workflows.export.ExportTenantWorkflowImpl.class,
          com.taskifai.workflows.imports.ImportTenantWorkflowImpl.class);

  /** The environment key that turns fault injection on (tests and demos only). */
  public static final String FAULT_INJECTION = "TASKIFAI_FAULT_INJECTION";

  private final WorkerFactory factory;

  private PlatformWorker(WorkerFactory factory) {
    this.factory = factory;
  }

  /**
   * Builds the worker; nothing polls until {@link #start()}.
   *
   * @param client the client of the Temporal server the worker polls
   * @param activities the activity implementations (one object per activity interface)
   * @param interceptors worker interceptors, such as the one that audits every activity
   * @param embeddedServer true when the server is the SDK's test server: it never times out a
   *     workflow task waiting on a worker's sticky queue, so a worker that dies would strand its
   *     workflows; sticky execution is then turned off and every workflow task goes to the shared
   *     queue (at the cost of replaying the short history on each task)
   */
  public static PlatformWorker create(
      WorkflowClient client,
      Collection<?> activities,
      List<WorkerInterceptor> interceptors,
      boolean embeddedServer) {
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkerInterceptors(interceptors.toArray(WorkerInterceptor[]::new))
                .build());
    WorkerOptions.Builder options = WorkerOptions.newBuilder();
    if (embeddedServer) {
      // A zero timeout makes the SDK send no sticky attributes at all (checked in SDK 1.38).
      options.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
    }
    Worker worker = factory.newWorker(TaskQueues.PLATFORM, options.build());
    worker.registerWorkflowImplementationTypes(WORKFLOW_TYPES.toArray(Class<?>[]::new));
    worker.registerActivitiesImplementations(activities.toArray());
    return new PlatformWorker(factory);
  }

  /**
   * The interceptors of a worker on these activities: audit rows and heartbeats, and {@link
   * FaultInjection} only when {@code faultInjection} is true.
   */
  public static List<WorkerInterceptor> interceptors(
      PlatformActivities activities, boolean faultInjection) {
    return interceptors(activities, faultInjection, io.opentelemetry.api.OpenTelemetry.noop());
  }

  /**
   * The interceptors of a worker on these activities, and last (so outermost: a span covers the
   * audit and heartbeat work) the tracing interceptor when {@code tracing} is on ({@link
   * TemporalTracing}).
   */
  public static List<WorkerInterceptor> interceptors(
      PlatformActivities activities,
      boolean faultInjection,
      io.opentelemetry.api.OpenTelemetry tracing) {
    return interceptors(activities, faultInjection, tracing, null);
  }

  /**
   * As {@link #interceptors(PlatformActivities, boolean, io.opentelemetry.api.OpenTelemetry)}, and
   * when {@code heartbeatTimeout} is not null a {@link HeartbeatTimeoutCap} of that length ({@code
   * TASKIFAI_WORKER_HEARTBEAT_TIMEOUT}, tests only).
   */
  public static List<WorkerInterceptor> interceptors(
      PlatformActivities activities,
      boolean faultInjection,
      io.opentelemetry.api.OpenTelemetry tracing,
      Duration heartbeatTimeout) {
    List<WorkerInterceptor> all = new ArrayList<>();
    if (heartbeatTimeout != null) {
      all.add(new HeartbeatTimeoutCap(heartbeatTimeout));
    }
    if (faultInjection) {
      // First, so innermost: the audit rows record an injected failure like any other.
      all.add(new FaultInjection());
    }
    all.addAll(activities.interceptors());
    all.addAll(TemporalTracing.workerInterceptors(tracing));
    return List.copyOf(all);
  }

  /** True when the environment turns fault injection on ({@code TASKIFAI_FAULT_INJECTION}). */
  public static boolean faultInjection(Map<String, String> env) {
    return com.taskifai.registry.settings.Settings.of(env)
        .bind(com.taskifai.registry.settings.PlatformSettings.class)
        .faultInjection();
  }

  /** Starts polling the task queue. */
  public void start() {
    factory.start();
  }

  /** True once started and not yet shut down. */
  public boolean isRunning() {
    return factory.isStarted() && !factory.isShutdown();
  }

  /** Stops polling and waits up to ten seconds for running tasks to finish. */
  @Override
  public void close() {
    factory.shutdown();
    factory.awaitTermination(10, TimeUnit.SECONDS);
  }
}
