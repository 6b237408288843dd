package com.taskifai.activities.audit;

import com.taskifai.registry.AuditLog;
import com.taskifai.registry.LogContext;
import com.taskifai.workflows.Outcome;
import com.taskifai.workflows.TenantScoped;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Writes an {@code audit_log} row when each activity starts, succeeds and fails, so every step of
 * every workflow is on record without each activity having to remember it. The step is the activity
 * type, the actor {@code workflow:<workflow id>}, the action follows from the workflow (provision,
 * offboard, suspend, reactivate, reconcile) or is {@code compensate} for an {@code undo_*}
 * activity. {@code record_audit} writes its own row and is not audited again.
 *
 * <p>Audit writes are best effort: a platform database that cannot take the row fails the
 * activity's own work as well, and the workflow retries it.
 */
public final class AuditingActivityInterceptor extends WorkerInterceptorBase {
  private static final Logger log = LoggerFactory.getLogger(AuditingActivityInterceptor.class);
  private static final int MAX_MESSAGE = 500;
  // Anything that looks like a credential in a message from a driver or server is cut out.
  private static final Pattern SECRET =
      Pattern.compile("(?i)(password|passwd|pwd|token|secret|key)(\\s*[=:]\\s*|\\s+)\\S+");

  private final AuditLog audit;

  public AuditingActivityInterceptor(AuditLog audit) {
    this.audit = audit;
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new Auditing(next);
  }

  private final class Auditing extends ActivityInboundCallsInterceptorBase {
    private ActivityExecutionContext context;

    Auditing(ActivityInboundCallsInterceptor next) {
      super(next);
    }

    @Override
    public void init(ActivityExecutionContext context) {
      this.context = context;
      super.init(context);
    }

    @Override
    public ActivityOutput execute(ActivityInput input) {
      ActivityInfo info = context.getInfo();
      String step = info.getActivityType();
      if ("record_audit".equals(step)) {
        return super.execute(input);
      }
      UUID tenantId = tenantOf(input.getArguments());
      String actor = "workflow:" + info.getWorkflowId();
      String action = action(step, info.getWorkflowType());
      MDC.put(LogContext.WORKFLOW_ID, info.getWorkflowId());
      MDC.put(LogContext.ACTIVITY_ID, info.getActivityId());
      if (tenantId != null) {
        MDC.put(LogContext.TENANT_ID, tenantId.toString());
      }
      try {
        write(tenantId, actor, action, step, Outcome.STARTED, Map.of("attempt", info.getAttempt()));
        ActivityOutput output;
        try {
          output = super.execute(input);
        } catch (RuntimeException | Error e) {
          Map<String, Object> detail = new LinkedHashMap<>();
          detail.put("attempt", info.getAttempt());
          detail.put("failure_type", failureType(e));
          detail.put("message", message(e));
          detail.put("retryable", retryable(e));
          write(tenantId, actor, action, step, Outcome.FAILED, detail);
          throw e;
        }
        write(
            tenantId, actor, action, step, Outcome.SUCCEEDED, Map.of("attempt", info.getAttempt()));
        return output;
      } finally {
        MDC.remove(LogContext.WORKFLOW_ID);
        MDC.remove(LogContext.ACTIVITY_ID);
        MDC.remove(LogContext.TENANT_ID);
      }
    }
  }

  private void write(
      UUID tenantId, String actor, String action, String step, Outcome outcome, Map<String, ?> d) {
    try {
      audit.append(tenantId, actor, action, step, outcome.value(), d);
    } catch (RuntimeException e) {
      log.warn(
          "audit row for {} {} of tenant {} not written: {}",
          step,
          outcome,
          tenantId,
          e.toString());
    }
  }

  /** The action of an activity: compensate for an undo, otherwise what its workflow does. */
  static String action(String activityType, String workflowType) {
    if (activityType.startsWith("undo_")) {
      return "compensate";
    }
    String w = workflowType == null ? "" : workflowType;
    if (w.startsWith("Offboard")) {
      return "offboard";
    }
    if (w.startsWith("Suspend")) {
      return "suspend";
    }
    if (w.startsWith("BackupTenant")
        || w.startsWith("BackupSchedule")
        || w.startsWith("ScheduledBackup")) {
      return "backup";
    }
    if (w.startsWith("RestoreTenant")) {
      return "restore";
    }
    if (w.startsWith("Reactivate")) {
      return "reactivate";
    }
    if (w.startsWith("ReconcileFleet") || w.startsWith("RemoveOrphan")) {
      return "reconcile";
    }
    if (w.startsWith("MigrateFleet") || w.startsWith("TenantMigrate")) {
      return "migrate";
    }
    if (w.startsWith("BackupTenant")
        || w.startsWith("BackupSchedule")
        || w.startsWith("DeleteBackup")) {
      return "backup";
    }
    if (w.startsWith("RestoreTenant")) {
      return "restore";
    }
    return "provision";
  }

  static UUID tenantOf(Object[] arguments) {
    if (arguments == null) {
      return null;
    }
    for (Object a : arguments) {
      if (a instanceof TenantScoped scoped) {
        return scoped.tenantId();
      }
    }
    // Backup activities that take the tenant id itself as their first argument.
    return arguments.length > 0 && arguments[0] instanceof UUID id ? id : null;
  }

  static String failureType(Throwable e) {
    if (e instanceof ApplicationFailure af && af.getType() != null) {
      return af.getType();
    }
    return e.getClass().getSimpleName();
  }

  static boolean retryable(Throwable e) {
    return !(e instanceof ApplicationFailure af) || !af.isNonRetryable();
  }

  /** The failure's message without anything that looks like a credential, and not too long. */
  static String message(Throwable e) {
    String m =
        e instanceof ApplicationFailure af
            ? af.getOriginalMessage()
            : String.valueOf(e.getMessage());
    if (m == null) {
      m = e.getClass().getSimpleName();
    }
    m = SECRET.matcher(m).replaceAll("$1=***");
    return m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "..." : m;
  }
}
