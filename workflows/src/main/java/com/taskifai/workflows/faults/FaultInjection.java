package com.taskifai.workflows.faults;

import com.taskifai.workflows.FailureType;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.saga.Saga;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.Header;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Fault injection for tests and demos, in one place and outside every activity contract. A worker
 * registers this interceptor only when {@code TASKIFAI_FAULT_INJECTION} is true.
 *
 * <p>Whoever starts a workflow asks for a fault through the workflow's memo ({@link #memo}): {@code
 * <step>} (or {@code <step>:before}) fails the step before its effect, {@code <step>:after} after
 * it, both non-retryably ({@link FailureType#INJECTED_FAULT}). On the workflow side the interceptor
 * copies the memo into a header of every activity it schedules; on the activity side it fails the
 * activity whose type is the named step. A step that is no activity (await_verification) fails at
 * its wait.
 *
 * <p>{@code <step>:stall} fails nothing: the step's first attempt does its effect and then holds
 * the worker (heartbeats keep going) for {@link #STALL}, before it completes; later attempts run
 * normally. Tests kill the worker during the hold to see another worker retry the step, or cancel
 * the workflow (the hold then ends with the activity's cancellation). A step that runs as a local
 * activity has no attempt count that outlives its worker: the worker that re-runs it after a death
 * runs a first attempt again, and holds again.
 *
 * <p>Both sides work for local activities as for activities (the header travels with them).
 */
public final class FaultInjection extends WorkerInterceptorBase {

  /**
   * Steps of the trial tier and the promotion, beside the provisioning's {@code Step}s, that a
   * fault may name. An online promotion's replication steps are named by their activities ({@code
   * set_trial_sequences} fails the step {@code set_sequences}), since a move's activities already
   * carry the step names.
   */
  public static final java.util.Set<String> OTHER_STEPS =
      java.util.Set.of(
          "place_trial",
          "register_trial_tenant",
          "claim_promotion",
          "hold_trial_writes",
          "copy_trial_rows",
          "verify_trial_copy",
          "swap_to_dedicated",
          "delete_trial_rows",
          "check_online_promotion",
          "start_trial_replication",
          "trial_catch_up",
          "await_trial_zero_lag",
          "set_trial_sequences",
          "stop_trial_replication",
          "verify_trial_replica");

  /** The memo key (and API field) naming the fault. */
  public static final String MEMO = "inject_fault";

  /** The activity header that carries the fault from the workflow to the activity. */
  public static final String HEADER = "taskifai-inject-fault";

  /** How long a stalled step's first attempt holds its worker after its effect. */
  public static final Duration STALL = Duration.ofSeconds(60);

  /**
   * A requested fault: the step, whether it fails after its effect, and whether it rather stalls
   * its first attempt after the effect.
   */
  public record Fault(String step, boolean after, boolean stall) {
    public Fault(String step, boolean after) {
      this(step, after, false);
    }

    /** The fault a memo or API value names, if it names a step. */
    public static Optional<Fault> parse(String value) {
      if (value == null || value.isBlank()) {
        return Optional.empty();
      }
      String v = value.strip();
      boolean after = v.endsWith(":after");
      boolean stall = v.endsWith(":stall");
      String step = v.replaceFirst(":(after|before|stall)$", "");
      if (OTHER_STEPS.contains(step)
          || com.taskifai.workflows.move.MoveTenantWorkflow.STEPS.contains(step)
          || com.taskifai.workflows.move.OnlineMoveStep.ONLINE_STEPS.contains(step)
          || java.util.Arrays.stream(com.taskifai.workflows.imports.ImportStep.values())
              .anyMatch(s -> s.stepName().equals(step))) {
        return Optional.of(new Fault(step, after, stall));
      }
      return Step.byName(step).map(s -> new Fault(s.stepName(), after, stall));
    }

    ApplicationFailure failure() {
      return ApplicationFailure.newNonRetryableFailure(
          "injected fault " + (after ? "after " : "at ") + step, FailureType.INJECTED_FAULT.name());
    }
  }

  /** The memo of a workflow start that asks for {@code fault}; empty for null. */
  public static Map<String, Object> memo(String fault) {
    return fault == null ? Map.of() : Map.of(MEMO, fault);
  }

  @Override
  public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
    return new WorkflowInboundCallsInterceptorBase(next) {
      @Override
      public void init(WorkflowOutboundCallsInterceptor outbound) {
        super.init(new WorkflowSide(outbound));
      }
    };
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivitySide(next);
  }

  private static final class WorkflowSide extends WorkflowOutboundCallsInterceptorBase {
    private String requested;
    private boolean read;

    WorkflowSide(WorkflowOutboundCallsInterceptor next) {
      super(next);
    }

    private String requested() {
      if (!read) {
        Object memo = Workflow.getMemo(MEMO, String.class);
        requested = memo == null ? null : memo.toString();
        read = true;
      }
      return requested;
    }

    @Override
    public <R> ActivityOutput<R> executeActivity(ActivityInput<R> input) {
      String fault = requested();
      if (fault == null) {
        return super.executeActivity(input);
      }
      return super.executeActivity(
          new ActivityInput<>(
              input.getActivityName(),
              input.getResultClass(),
              input.getResultType(),
              input.getArgs(),
              input.getOptions(),
              withFault(input.getHeader(), fault)));
    }

    // Local activities carry the same header; the worker's activity interceptors (the activity
    // side below) run for them as for any activity.
    @Override
    public <R> LocalActivityOutput<R> executeLocalActivity(LocalActivityInput<R> input) {
      String fault = requested();
      if (fault == null) {
        return super.executeLocalActivity(input);
      }
      return super.executeLocalActivity(
          new LocalActivityInput<>(
              input.getActivityName(),
              input.getResultClass(),
              input.getResultType(),
              input.getArgs(),
              input.getOptions(),
              withFault(input.getHeader(), fault)));
    }

    private static Header withFault(Header header, String fault) {
      Map<String, Payload> values = new HashMap<>(header.getValues());
      values.put(HEADER, DefaultDataConverter.newDefaultInstance().toPayload(fault).orElseThrow());
      return new Header(values);
    }

    @Override
    public boolean await(Duration timeout, String reason, Supplier<Boolean> unblockCondition) {
      failIfWaitingStep();
      return super.await(timeout, reason, unblockCondition);
    }

    @Override
    public void await(String reason, Supplier<Boolean> unblockCondition) {
      failIfWaitingStep();
      super.await(reason, unblockCondition);
    }

    private void failIfWaitingStep() {
      Optional<Fault> fault = Fault.parse(requested());
      if (fault.isPresent()
          && !fault.get().stall()
          && Saga.currentStep().equals(Optional.of(fault.get().step()))) {
        throw fault.get().failure();
      }
    }
  }

  private static final class ActivitySide extends ActivityInboundCallsInterceptorBase {
    private ActivityExecutionContext context;

    ActivitySide(ActivityInboundCallsInterceptor next) {
      super(next);
    }

    @Override
    public void init(ActivityExecutionContext context) {
      this.context = context;
      super.init(context);
    }

    @Override
    public ActivityOutput execute(ActivityInput input) {
      Payload payload = input.getHeader().getValues().get(HEADER);
      Optional<Fault> fault =
          payload == null
              ? Optional.empty()
              : Fault.parse(
                  DefaultDataConverter.newDefaultInstance()
                      .fromPayload(payload, String.class, String.class));
      if (fault.isEmpty() || !fault.get().step().equals(context.getInfo().getActivityType())) {
        return super.execute(input);
      }
      if (fault.get().stall()) {
        ActivityOutput output = super.execute(input);
        if (context.getInfo().getAttempt() == 1) {
          stall();
        }
        return output;
      }
      if (!fault.get().after()) {
        throw fault.get().failure();
      }
      super.execute(input);
      throw fault.get().failure();
    }

    /**
     * Holds the worker for {@link #STALL}. An activity (not a local one) asks for its cancellation
     * as it holds: a cancelled workflow's undos wait for the held step to end, and it ends then
     * (the heartbeat throws), as a step that checks for cancellation would.
     */
    private void stall() {
      long until = System.nanoTime() + STALL.toNanos();
      try {
        while (System.nanoTime() < until) {
          Thread.sleep(200);
          if (!context.getInfo().isLocal()) {
            context.heartbeat(null);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
