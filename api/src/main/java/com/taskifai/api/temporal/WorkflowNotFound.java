package com.taskifai.api.temporal;

/**
 * Temporal answered that the workflow a signal, query, cancel or history read names does not exist
 * or no longer runs (an embedded server forgets its workflows on restart).
 */
public class WorkflowNotFound extends RuntimeException {
  WorkflowNotFound(String what, Throwable cause) {
    super("Temporal found no workflow for " + what, cause);
  }
}
