package com.taskifai.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The container's error page: the refused request's status as a problem document (asked for
 * directly, it is not found).
 */
@io.swagger.v3.oas.annotations.Hidden
@RestController
public class ProblemErrorController implements ErrorController {
  @RequestMapping("${server.error.path:/error}")
  ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status =
        code instanceof Integer c && HttpStatus.resolve(c) != null
            ? HttpStatus.valueOf(c)
            : HttpStatus.NOT_FOUND;
    String detail =
        switch (status) {
          case NOT_FOUND -> "no such endpoint; the OpenAPI document at /v3/api-docs lists them";
          case BAD_REQUEST ->
              "the request was refused before it reached an endpoint (for example a path with"
                  + " characters that are not allowed); check the path and its encoding";
          default ->
              status.is4xxClientError()
                  ? "the request was refused: " + status.getReasonPhrase()
                  : "the server could not answer this request";
        };
    String problemCode =
        status.is5xxServerError()
            ? ProblemHandlers.INTERNAL_ERROR
            : status == HttpStatus.NOT_FOUND ? "not_found" : "bad_request";
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    ProblemDetail problem = Problems.of(status, problemCode, detail);
    if (uri instanceof String path) {
      problem.setInstance(java.net.URI.create(path.replaceAll("[^A-Za-z0-9._~/-]", "_")));
    }
    return Problems.response(problem, null);
  }
}
