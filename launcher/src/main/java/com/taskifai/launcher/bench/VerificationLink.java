package com.taskifai.launcher.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Follows a verification link as a person does: opens the page ({@code GET}, which changes nothing)
 * and presses its button, a same-origin form {@code POST} with the token in the body.
 */
public final class VerificationLink {
  private VerificationLink() {}

  /** The answer of the button's POST; a page without the button is answered as it came. */
  public static HttpResponse<String> confirm(HttpClient http, String link)
      throws IOException, InterruptedException {
    URI uri = URI.create(link);
    HttpResponse<String> page =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (page.statusCode() != 200 || !page.body().contains("action=\"/verify-email\"")) {
      return page;
    }
    String token = token(uri);
    String origin = uri.getScheme() + "://" + uri.getRawAuthority();
    return http.send(
        HttpRequest.newBuilder(URI.create(origin + "/verify-email"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", origin)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String token(URI link) {
    String query = link.getRawQuery() == null ? "" : link.getRawQuery();
    for (String pair : query.split("&")) {
      if (pair.startsWith("token=")) {
        return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
      }
    }
    throw new IllegalArgumentException("the verification link has no token: " + link);
  }
}
