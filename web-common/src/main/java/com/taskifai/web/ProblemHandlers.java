package com.taskifai.web;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.multipart.MultipartException;

/**
 * The exception handlers both apps share; each app's {@code @RestControllerAdvice} extends this
 * class and adds handlers for what only it knows. A {@link ProblemException} becomes its problem
 * detail; Spring MVC's own client errors keep their status, and a body or query the container
 * cannot parse is a 400 (see also {@link MalformedRequests}); anything else is a 500 {@code
 * internal_error} whose detail and {@code ref} name the log line that has the stack trace.
 */
public abstract class ProblemHandlers {
  private static final Logger log = LoggerFactory.getLogger(ProblemHandlers.class);

  /** The code of every unexpected server fault. */
  public static final String INTERNAL_ERROR = "internal_error";

  private static final String INVALID_PARAMETER =
      "org.apache.tomcat.util.http.InvalidParameterException";

  @ExceptionHandler(ProblemException.class)
  public ResponseEntity<ProblemDetail> refused(ProblemException e) {
    return Problems.response(e);
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  public ResponseEntity<ProblemDetail> method(HttpRequestMethodNotSupportedException e) {
    return Problems.response(
        HttpStatus.METHOD_NOT_ALLOWED,
        "method_not_allowed",
        e.getMethod() + " is not supported here");
  }

  @ExceptionHandler(Exception.class)
  public ResponseEntity<ProblemDetail> unexpected(Exception e) {
    if (e instanceof MultipartException) {
      return Problems.response(
          HttpStatus.BAD_REQUEST,
          "bad_request",
          "the body is not a readable multipart/form-data request; send the file as"
              + " multipart/form-data with a boundary");
    }
    if (INVALID_PARAMETER.equals(e.getClass().getName())) {
      // Tomcat refuses to read parameters it cannot parse (such as one without a name).
      return Problems.response(
          HttpStatus.BAD_REQUEST,
          "bad_request",
          "the request's parameters cannot be read; send name=value pairs joined by &");
    }
    if (e instanceof ErrorResponse known && known.getStatusCode().is4xxClientError()) {
      HttpStatusCode status = known.getStatusCode();
      String detail = known.getBody().getDetail();
      return Problems.response(
          status,
          status.value() == 404 ? "not_found" : "bad_request",
          detail == null ? "the request cannot be served" : detail);
    }
    String ref = UUID.randomUUID().toString();
    log.error("unexpected error (ref {})", ref, e);
    ProblemDetail problem =
        Problems.of(
            HttpStatus.INTERNAL_SERVER_ERROR,
            INTERNAL_ERROR,
            "something went wrong on the server; the log has the details under ref " + ref,
            java.util.Map.of("ref", ref));
    return Problems.response(problem, null);
  }
}
