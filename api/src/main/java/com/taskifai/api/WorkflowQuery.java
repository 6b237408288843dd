package com.taskifai.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The portal's progress views of a workflow: which ids a tenant's view may name, and the view of a
 * workflow query's answer (the query itself runs in {@code com.taskifai.api.temporal}, within a
 * bounded wait, so the view says "unknown" instead of waiting on Temporal).
 */
public final class WorkflowQuery {

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
   * answer, or step {@code unknown} and outcome {@code UNKNOWN} when it gave none.
   */
  public static <T> Map<String, Object> progressView(
      String workflowId, Optional<T> answer, BiConsumer<Map<String, Object>, T> fields) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workflow_id", workflowId);
    answer.ifPresentOrElse(
        p -> fields.accept(out, p),
        () -> {
          out.put("step", "unknown");
          out.put("outcome", "UNKNOWN");
        });
    return out;
  }
}
