package com.taskifai.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import java.util.regex.Pattern;

/** The request id both apps log under and answer in {@code X-Request-Id}. */
public final class RequestIds {
  /** The header that carries the request id both ways. */
  public static final String HEADER = "X-Request-Id";

  /** A plain token: nothing that could forge a log line. */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private RequestIds() {}

  /**
   * The caller's {@code X-Request-Id} when it is a plain token, else a new one; set on the
   * response.
   */
  public static String assign(HttpServletRequest request, HttpServletResponse response) {
    String given = request.getHeader(HEADER);
    String id =
        given != null && SAFE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    response.setHeader(HEADER, id);
    return id;
  }
}
