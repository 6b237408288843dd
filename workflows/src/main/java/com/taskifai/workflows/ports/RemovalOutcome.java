package com.taskifai.workflows.ports;

/**
 * How a removal ended.
 *
 * @param removed true when the orphan was removed (or was gone already)
 * @param reason why it was not removed, such as a tenant owning it now; null when removed
 */
public record RemovalOutcome(boolean removed, String reason) {
  public static RemovalOutcome done() {
    return new RemovalOutcome(true, null);
  }

  public static RemovalOutcome refused(String reason) {
    return new RemovalOutcome(false, reason);
  }
}
