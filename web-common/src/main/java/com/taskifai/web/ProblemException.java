package com.taskifai.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * A request an app refuses: the HTTP status, a stable {@code code}, a detail that says what to do,
 * extra members of the problem body (such as {@code fields} or {@code details}) and, for 429 and
 * 503, when to try again. {@link ProblemHandlers} turns it into an RFC 9457 problem detail.
 */
public class ProblemException extends RuntimeException {
  private final HttpStatus status;
  private final String code;
  private final Map<String, Object> extra;
  private Duration retryAfter;

  public ProblemException(HttpStatus status, String code, String detail) {
    this(status, code, detail, Map.of());
  }

  public ProblemException(HttpStatus status, String code, String detail, Map<String, ?> extra) {
    super(detail);
    this.status = status;
    this.code = code;
    this.extra = new LinkedHashMap<>(extra);
  }

  public HttpStatus status() {
    return status;
  }

  /** The stable machine-readable code, sent as {@code code} (and as the older {@code error}). */
  public String code() {
    return code;
  }

  /** Extra members of the body, each sent at the top level of the problem. */
  public Map<String, Object> extra() {
    return extra;
  }

  /** When the caller may try again, sent as {@code Retry-After}; null when not said. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Says when to try again (at least one second is sent). */
  protected void retryAfter(Duration retryAfter) {
    this.retryAfter = retryAfter;
  }

  /** 400 {@code bad_request}: the request cannot be served as sent; the detail says what to fix. */
  public static ProblemException badRequest(String detail) {
    return new ProblemException(HttpStatus.BAD_REQUEST, "bad_request", detail);
  }

  /** 404 {@code not_found}. */
  public static ProblemException notFound(String detail) {
    return new ProblemException(HttpStatus.NOT_FOUND, "not_found", detail);
  }

  /** 429 with a {@code Retry-After} of at least one second. */
  public static ProblemException tooManyRequests(String code, String detail, Duration retryAfter) {
    return tooManyRequests(code, detail, retryAfter, Map.of());
  }

  /** 429 with a {@code Retry-After} of at least one second, and extra members. */
  public static ProblemException tooManyRequests(
      String code, String detail, Duration retryAfter, Map<String, ?> extra) {
    ProblemException e = new ProblemException(HttpStatus.TOO_MANY_REQUESTS, code, detail, extra);
    e.retryAfter(retryAfter);
    return e;
  }

  /** The problem detail of this refusal. */
  public ProblemDetail problem() {
    return Problems.of(status, code, getMessage(), extra);
  }
}
