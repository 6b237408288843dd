package com.taskifai.api;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
