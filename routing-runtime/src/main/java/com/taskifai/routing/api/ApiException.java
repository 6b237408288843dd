package com.taskifai.routing.api;

import com.taskifai.web.ProblemException;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A request that cannot be served, with the status and the words that tell the caller why; answered
 * as a problem detail (see {@link com.taskifai.web.Problems}). A 503 says when to try again: in one
 * second unless told otherwise. The refusals both apps make ({@code badRequest}, {@code notFound},
 * {@code tooManyRequests}) are {@link ProblemException}'s own factories.
 */
public class ApiException extends ProblemException {
  private final Object details;

  public ApiException(HttpStatus status, String error, String message) {
    this(status, error, message, null);
  }

  /** With {@code details}, extra JSON for the body (for example the bad rows of an upload). */
  public ApiException(HttpStatus status, String error, String message, Object details) {
    super(status, error, message, details == null ? Map.of() : Map.of("details", details));
    this.details = details;
    if (status == HttpStatus.SERVICE_UNAVAILABLE) {
      retryAfter(Duration.ofSeconds(1));
    }
  }

  /** The stable code, the same as {@link #code()}. */
  public String error() {
    return code();
  }

  /** Extra JSON for the body (for example the bad rows of an upload), or null. */
  public Object details() {
    return details;
  }

  /** A 503 that tells the client when to try again (the Retry-After header), in seconds. */
  public static ApiException retryLater(String error, String message, long retryAfterSeconds) {
    ApiException e = new ApiException(HttpStatus.SERVICE_UNAVAILABLE, error, message);
    e.retryAfter(Duration.ofSeconds(Math.max(1, retryAfterSeconds)));
    return e;
  }

  public static ApiException adminOnly(String what) {
    return new ApiException(HttpStatus.FORBIDDEN, "forbidden", "only tenant admins can " + what);
  }
}
