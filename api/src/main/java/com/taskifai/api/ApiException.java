package com.taskifai.api;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, with the HTTP status, a stable error code, a message that says what to
 * do, and optional extra fields (such as the problem with each input field).
 */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String code;
  private final Map<String, Object> extra;
  private java.time.Duration retryAfter;

  public ApiException(HttpStatus status, String code, String message) {
    this(status, code, message, Map.of());
  }

  public ApiException(HttpStatus status, String code, String message, Map<String, ?> extra) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = new LinkedHashMap<>(extra);
  }

  public static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, "bad_request", message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(HttpStatus.NOT_FOUND, "not_found", message);
  }

  public static ApiException conflict(String message, Map<String, ?> extra) {
    return new ApiException(HttpStatus.CONFLICT, "conflict", message, extra);
  }

  /** 429 with a {@code Retry-After} of at least one second. */
  public static ApiException tooManyRequests(
      String code, String message, java.time.Duration retryAfter) {
    ApiException e = new ApiException(HttpStatus.TOO_MANY_REQUESTS, code, message);
    e.retryAfter = retryAfter;
    return e;
  }

  /** 429 with a {@code Retry-After} of at least one second, and extra fields. */
  public static ApiException tooManyRequests(
      String code, String message, java.time.Duration retryAfter, Map<String, ?> extra) {
    ApiException e = new ApiException(HttpStatus.TOO_MANY_REQUESTS, code, message, extra);
    e.retryAfter = retryAfter;
    return e;
  }

  /** When the caller may try again, sent as {@code Retry-After}; null when not said. */
  public java.time.Duration retryAfter() {
    return retryAfter;
  }

  public HttpStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Map<String, Object> extra() {
    return extra;
  }

  /** The JSON body of the error answer. */
  public Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", getMessage());
    body.putAll(extra);
    return body;
  }
}
