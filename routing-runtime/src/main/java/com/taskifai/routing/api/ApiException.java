package com.taskifai.routing.api;

import org.springframework.http.HttpStatus;

/** A request that cannot be served, with the status and the words that tell the caller why. */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String error;
  private final Object details;
  private java.time.Duration retryAfter;

  public ApiException(HttpStatus status, String error, String message) {
    this(status, error, message, null);
  }

  public ApiException(HttpStatus status, String error, String message, Object details) {
    super(message);
    this.status = status;
    this.error = error;
    this.details = details;
  }

  public HttpStatus status() {
    return status;
  }

  public String error() {
    return error;
  }

  /** Extra JSON for the body (for example the bad rows of an upload), or null. */
  public Object details() {
    return details;
  }

  /** When the caller may try again, sent as {@code Retry-After}; null when not said. */
  public java.time.Duration retryAfter() {
    return retryAfter;
  }

  /** 429 with a {@code Retry-After} of at least one second. */
  public static ApiException tooManyRequests(
      String error, String message, java.time.Duration retryAfter) {
    ApiException e = new ApiException(HttpStatus.TOO_MANY_REQUESTS, error, message);
    e.retryAfter = retryAfter;
    return e;
  }

  /** A 503 that tells the client when to try again (the Retry-After header), in seconds. */
  public static ApiException retryLater(String error, String message, long retryAfterSeconds) {
    ApiException e = new ApiException(HttpStatus.SERVICE_UNAVAILABLE, error, message);
    e.retryAfter = java.time.Duration.ofSeconds(Math.max(1, retryAfterSeconds));
    return e;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, "bad_request", message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(HttpStatus.NOT_FOUND, "not_found", message);
  }

  public static ApiException adminOnly(String what) {
    return new ApiException(HttpStatus.FORBIDDEN, "forbidden", "only tenant admins can " + what);
  }
}
