package com.taskifai.api;

import com.taskifai.web.ProblemException;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, with the HTTP status, a stable error code, a message that says what to
 * do, and optional extra fields (such as the problem with each input field). Answered as a problem
 * detail (see {@link com.taskifai.web.Problems}). The refusals both apps make ({@code badRequest},
 * {@code notFound}, {@code tooManyRequests}) are {@link ProblemException}'s own factories.
 */
public class ApiException extends ProblemException {

  public ApiException(HttpStatus status, String code, String message) {
    super(status, code, message);
  }

  public ApiException(HttpStatus status, String code, String message, Map<String, ?> extra) {
    super(status, code, message, extra);
  }

  public static ApiException conflict(String message, Map<String, ?> extra) {
    return new ApiException(HttpStatus.CONFLICT, "conflict", message, extra);
  }

  /**
   * 400 {@code validation_failed}: {@code message} says what to fix, {@code fields} names the
   * problem of each field (answered as {@code fields}).
   */
  public static ApiException invalid(String message, Map<String, String> fields) {
    return new ApiException(
        HttpStatus.BAD_REQUEST, "validation_failed", message, Map.of("fields", fields));
  }

  /**
   * Refuses a request whose fields have problems (400 {@code validation_failed}, each field with
   * its problem, in the message as "field problem; ..."); returns when there are none.
   */
  public static void requireValid(Map<String, String> problems) {
    if (!problems.isEmpty()) {
      throw invalid(
          problems.entrySet().stream()
              .map(e -> e.getKey() + " " + e.getValue())
              .collect(Collectors.joining("; ")),
          problems);
    }
  }
}
