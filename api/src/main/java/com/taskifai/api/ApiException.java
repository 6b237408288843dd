package com.taskifai.api;

import com.taskifai.web.ProblemException;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, with the HTTP status, a stable error code, a message that says what to
 * do, and optional extra fields (such as the problem with each input field). Answered as a problem
 * detail (see {@link com.taskifai.web.Problems}).
 */
public class ApiException extends ProblemException {

  public ApiException(HttpStatus status, String code, String message) {
    super(status, code, message);
  }

  public ApiException(HttpStatus status, String code, String message, Map<String, ?> extra) {
    super(status, code, message, extra);
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
    e.retryAfter(retryAfter);
    return e;
  }

  /** 429 with a {@code Retry-After} of at least one second, and extra fields. */
  public static ApiException tooManyRequests(
      String code, String message, java.time.Duration retryAfter, Map<String, ?> extra) {
    ApiException e = new ApiException(HttpStatus.TOO_MANY_REQUESTS, code, message, extra);
    e.retryAfter(retryAfter);
    return e;
  }
}
