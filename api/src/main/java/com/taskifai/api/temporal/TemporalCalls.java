package com.taskifai.api.temporal;

import com.taskifai.api.TemporalUnavailableException;
import com.taskifai.api.health.TemporalHealthIndicator;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one deadline of the admin API's calls to Temporal: every start, signal, query, cancel,
 * describe and history read of the workflow facades in this package runs through {@link #call} or
 * {@link #query}.
 *
 * <p>A call runs under a gRPC deadline of the call timeout (retries included): when Temporal is
 * down or unreachable it throws {@link TemporalUnavailableException} (503 {@code
 * temporal_unavailable}) in seconds instead of retrying for the SDK's default minute. The SDK's
 * answers that mean "no" become the API's own exceptions ({@link WorkflowAlreadyRunning}, {@link
 * WorkflowNotFound}), so no caller outside this package needs a Temporal type. The channel
 * reconnects by itself once the server is back.
 */
public final class TemporalCalls {
  /** How long a progress view waits for a workflow's answer. */
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(3);

  // Fires the gRPC deadlines of the calls.
  private static final ScheduledExecutorService DEADLINES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "temporal-call-deadlines");
            t.setDaemon(true);
            return t;
          });

  // Queries wait for a worker; a bounded wait keeps the API answering when no worker runs.
  private static final ExecutorService QUERIES =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "temporal-workflow-query");
            t.setDaemon(true);
            return t;
          });

  private final WorkflowClient client;
  private final Duration callTimeout;
  private final TemporalHealthIndicator health;

  /**
   * @param health told whether each call reached the server; null where no health is reported (the
   *     operator's command line)
   */
  public TemporalCalls(
      WorkflowClient client, Duration callTimeout, TemporalHealthIndicator health) {
    this.client = client;
    this.callTimeout = callTimeout;
    this.health = health;
  }

  WorkflowClient client() {
    return client;
  }

  String namespace() {
    return client.getOptions().getNamespace();
  }

  /**
   * Runs one call to Temporal under the call timeout. Answers of the server pass through (already
   * started and not found as this package's exceptions); a server that is down or too slow becomes
   * {@link TemporalUnavailableException}.
   */
  <T> T call(String what, Supplier<T> body) {
    return invoke(what, body, false);
  }

  void run(String what, Runnable body) {
    call(
        what,
        () -> {
          body.run();
          return null;
        });
  }

  /**
   * Asks the workflow {@code workflowId} a query: its answer, or empty when the workflow is gone,
   * fails the query or does not answer within {@link #QUERY_TIMEOUT} (no worker runs, say). The
   * workflow is described first, under the call timeout, so a Temporal that is down is {@link
   * TemporalUnavailableException} (503) as for every other call, and a query that waits for a
   * worker is not mistaken for one.
   */
  <T> Optional<T> query(String workflowId, Supplier<T> body) {
    try {
      call(
          "the description of " + workflowId,
          () -> client.newUntypedWorkflowStub(workflowId).describe());
    } catch (WorkflowNotFound gone) {
      return Optional.empty();
    }
    CompletableFuture<T> answer =
        CompletableFuture.supplyAsync(
            () -> invoke("the query of " + workflowId, body, true), QUERIES);
    try {
      return Optional.ofNullable(answer.get(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TemporalUnavailableException unavailable) {
        throw unavailable;
      }
      return Optional.empty();
    } catch (TimeoutException e) {
      answer.cancel(true);
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer.cancel(true);
      return Optional.empty();
    }
  }

  /** Whether the API's last call to Temporal found it unreachable a moment ago. */
  boolean recentlyUnreachable() {
    return health != null && health.recentlyUnreachable();
  }

  /**
   * @param waitsForWorker a query: a deadline that passes means the workflow's worker did not
   *     answer, not that the server is down, so only a refused connection is unavailability
   */
  private <T> T invoke(String what, Supplier<T> body, boolean waitsForWorker) {
    Context.CancellableContext deadline =
        Context.current()
            .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS, DEADLINES);
    try {
      T result = deadline.call(body::get);
      answered();
      return result;
    } catch (WorkflowExecutionAlreadyStarted e) {
      answered();
      throw new WorkflowAlreadyRunning(e.getExecution().getWorkflowId(), e);
    } catch (WorkflowNotFoundException e) {
      answered();
      throw new WorkflowNotFound(what, e);
    } catch (Exception e) {
      StatusRuntimeException status = rootStatus(e);
      if (waitsForWorker ? refused(e) : unreachable(e)) {
        if (health != null) {
          health.unreachable(status == null ? e : status);
        }
        throw new TemporalUnavailableException(
            "the workflow service (Temporal) did not answer " + what + " in time", e);
      }
      answered();
      if (status != null && status.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new WorkflowNotFound(what, e);
      }
      if (status != null || e instanceof WorkflowServiceException) {
        // Any other refusal of the server (overloaded, internal error) is still no answer.
        throw new TemporalUnavailableException(
            "the workflow service (Temporal) refused " + what, e);
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e);
    } finally {
      deadline.cancel(null);
    }
  }

  private void answered() {
    if (health != null) {
      health.answered();
    }
  }

  /** True for failures that mean Temporal did not answer (as opposed to an answer that is no). */
  static boolean unreachable(Throwable e) {
    if (e instanceof TemporalUnavailableException) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CancellationException) {
        return true;
      }
    }
    StatusRuntimeException status = rootStatus(e);
    if (status == null) {
      return false;
    }
    Status.Code code = status.getStatus().getCode();
    return code == Status.Code.UNAVAILABLE
        || code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.CANCELLED;
  }

  /** True when the server could not be reached at all (the connection was refused or lost). */
  private static boolean refused(Throwable e) {
    StatusRuntimeException status = rootStatus(e);
    return status != null && status.getStatus().getCode() == Status.Code.UNAVAILABLE;
  }

  private static StatusRuntimeException rootStatus(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s;
      }
    }
    return null;
  }
}
