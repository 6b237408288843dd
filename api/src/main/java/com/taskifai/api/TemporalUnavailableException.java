package com.taskifai.api;

/**
 * Temporal did not answer within the call timeout (down, unreachable or overloaded): the request
 * answers 503 {@code temporal_unavailable} with Retry-After.
 */
public class TemporalUnavailableException extends RuntimeException {
  public TemporalUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
