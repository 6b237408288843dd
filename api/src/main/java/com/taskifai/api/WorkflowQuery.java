package com.taskifai.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A workflow query for the portal's progress views: answered within {@link #TIMEOUT}, or empty when
 * the workflow is gone, fails the query or does not answer in time (the view then says so instead
 * of waiting on Temporal).
 */
public final class WorkflowQuery {
  /** How long a progress view waits for a workflow's answer. */
  public static final Duration TIMEOUT = Duration.ofSeconds(3);

  private WorkflowQuery() {}

  /**
   * Refuses (404) a workflow id that is not one of {@code prefix}: not a {@code what} of this
   * tenant.
   */
  public static void requireOwn(String workflowId, String prefix, String what) {
    if (!workflowId.startsWith(prefix)) {
      throw ApiException.notFound(
          "workflow " + workflowId + " is not a " + what + " of this tenant");
    }
  }

  /**
   * A progress view's body: the workflow's id, then what {@code fields} takes from the workflow's
   * answer, or step {@code unknown} and outcome {@code UNKNOWN} when it gives none.
   */
  public static <T> Map<String, Object> progressView(
      String workflowId, Supplier<T> query, BiConsumer<Map<String, Object>, T> fields) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workflow_id", workflowId);
    answer(query)
        .ifPresentOrElse(
            p -> fields.accept(out, p),
            () -> {
              out.put("step", "unknown");
              out.put("outcome", "UNKNOWN");
            });
    return out;
  }

  public static <T> Optional<T> answer(Supplier<T> query) {
    CompletableFuture<T> answer = CompletableFuture.supplyAsync(query);
    try {
      return Optional.ofNullable(answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (Exception e) {
      answer.cancel(true);
      return Optional.empty();
    }
  }
}
