package com.taskifai.registry;

import java.util.List;

/**
 * The names of the log context (SLF4J MDC) keys that every platform process writes and every log
 * pattern reads ({@code %X{tenant_id}}). Ids only, never data or secrets.
 */
public final class LogContext {
  /** The request id of an HTTP request (the caller's {@code X-Request-Id} or a new one). */
  public static final String REQUEST_ID = "request_id";

  /** The tenant a request or an activity works for. */
  public static final String TENANT_ID = "tenant_id";

  /** The Temporal workflow id of a running activity. */
  public static final String WORKFLOW_ID = "workflow_id";

  /** The Temporal activity id of a running activity. */
  public static final String ACTIVITY_ID = "activity_id";

  /** The authenticated platform admin of an admin API request. */
  public static final String ACTOR = "actor";

  /** Every key, for checks that log patterns read only these. */
  public static final List<String> KEYS =
      List.of(REQUEST_ID, TENANT_ID, WORKFLOW_ID, ACTIVITY_ID, ACTOR);

  private LogContext() {}
}
