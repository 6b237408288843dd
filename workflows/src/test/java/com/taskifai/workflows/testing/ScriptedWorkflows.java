package com.taskifai.workflows.testing;

import io.temporal.activity.Activity;
import io.temporal.activity.DynamicActivity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.EncodedValues;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A workflow under test with every activity replaced by a script: each test gets a fresh {@link
 * TestWorkflowEnvironment} with the workflow types on one task queue and one dynamic activity that
 * records every call by type, answers from the script ({@code null} when the script is silent) and
 * fails the one type {@link #fail named} with a non-retryable {@code INVALID_STATE}.
 *
 * <pre>{@code
 * @RegisterExtension
 * final ScriptedWorkflows flows =
 *     ScriptedWorkflows.on(TaskQueues.PLATFORM, RestoreTenantWorkflowImpl.class)
 *         .answer("prepare_restore", new RestoreTarget("tenant_x_rr1", "tenant_x"));
 * }</pre>
 */
public final class ScriptedWorkflows implements BeforeEachCallback, AfterEachCallback {
  private final String taskQueue;
  private final Class<?>[] workflowTypes;
  private final Map<String, Function<EncodedValues, Object>> script = new ConcurrentHashMap<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private volatile String failing;
  private TestWorkflowEnvironment env;

  private ScriptedWorkflows(String taskQueue, Class<?>[] workflowTypes) {
    this.taskQueue = taskQueue;
    this.workflowTypes = workflowTypes;
  }

  /** The workflow implementation types, registered on {@code taskQueue}. */
  public static ScriptedWorkflows on(String taskQueue, Class<?>... workflowTypes) {
    return new ScriptedWorkflows(taskQueue, workflowTypes);
  }

  /** Activity {@code type} answers {@code value}. */
  public ScriptedWorkflows answer(String type, Object value) {
    return answer(type, args -> value);
  }

  /** Activity {@code type} answers what {@code answer} makes of its arguments. */
  public ScriptedWorkflows answer(String type, Function<EncodedValues, Object> answer) {
    script.put(type, answer);
    return this;
  }

  /** From now on, activity {@code type} fails for good ({@code INVALID_STATE}). */
  public void fail(String type) {
    failing = type;
  }

  /** Every activity called so far, by type, in order. */
  public List<String> calls() {
    return calls;
  }

  /** The calls without the audit records, which come between every step. */
  public List<String> steps() {
    return calls.stream().filter(c -> !c.equals("record_audit")).toList();
  }

  public WorkflowClient client() {
    return env.getWorkflowClient();
  }

  public TestWorkflowEnvironment environment() {
    return env;
  }

  /** A stub of {@code type} with id {@code workflowId} on the task queue. */
  public <T> T stub(Class<T> type, String workflowId) {
    return client()
        .newWorkflowStub(
            type,
            WorkflowOptions.newBuilder().setTaskQueue(taskQueue).setWorkflowId(workflowId).build());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    calls.clear();
    failing = null;
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(taskQueue);
    worker.registerWorkflowImplementationTypes(workflowTypes);
    worker.registerActivitiesImplementations((DynamicActivity) this::activity);
    env.start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    env.close();
  }

  private Object activity(EncodedValues args) {
    String type = Activity.getExecutionContext().getInfo().getActivityType();
    calls.add(type);
    if (type.equals(failing)) {
      throw ApplicationFailure.newNonRetryableFailure(type + " refused", "INVALID_STATE");
    }
    Function<EncodedValues, Object> answer = script.get(type);
    return answer == null ? null : answer.apply(args);
  }
}
