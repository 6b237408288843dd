package com.taskifai.routing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An HTTP client of a routing runtime listening on a loopback port: JSON and multipart requests
 * with any Host header and an optional bearer token. The routing tests' {@link RouterApp} is one;
 * tests of a whole platform make one for the router the platform started.
 */
public class RouterClient {
  public static final JsonMapper JSON = JsonMapper.builder().build();

  public final int port;
  protected final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A response: status, body text and headers. */
  public record Response(int status, String body, Map<String, String> headers) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  /** A client of the router listening on 127.0.0.1:{@code port}. */
  public RouterClient(int port) {
    this.port = port;
  }

  /** A sell-out sample file of the routing tests ({@code src/test/resources/sellout}). */
  public static byte[] sample(String name) {
    try (InputStream in = RouterClient.class.getResourceAsStream("/sellout/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no sell-out sample " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The Host header that reaches {@code subdomain} (the routers' base domain is localhost). */
  public static String host(String subdomain) {
    return subdomain + ".localhost";
  }

  public Response get(String host, String path, String token) {
    return send(host, path, token, HttpRequest.newBuilder().GET());
  }

  public Response delete(String host, String path, String token) {
    return send(host, path, token, HttpRequest.newBuilder().DELETE());
  }

  public Response post(String host, String path, String token, Object body) {
    return send(
        host,
        path,
        token,
        HttpRequest.newBuilder()
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    body instanceof String s ? s : JSON.writeValueAsString(body))));
  }

  public Response put(String host, String path, String token, Object body) {
    return send(
        host,
        path,
        token,
        HttpRequest.newBuilder()
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  /** A multipart/form-data upload of one file with text fields. */
  public Response upload(
      String host,
      String path,
      String token,
      Map<String, String> fields,
      String fileName,
      byte[] file) {
    String boundary = "----taskifai" + UUID.randomUUID();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (Map.Entry<String, String> f : fields.entrySet()) {
        out.write(
            ("--"
                    + boundary
                    + "\r\nContent-Disposition: form-data; name=\""
                    + f.getKey()
                    + "\"\r\n\r\n"
                    + f.getValue()
                    + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
      }
      out.write(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                  + fileName
                  + "\"\r\nContent-Type: text/csv\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      out.write(file);
      out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return send(
        host,
        path,
        token,
        HttpRequest.newBuilder()
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
  }

  private Response send(String host, String path, String token, HttpRequest.Builder b) {
    return send(port, host, path, token, b);
  }

  protected Response send(
      int toPort, String host, String path, String token, HttpRequest.Builder b) {
    b.uri(URI.create("http://127.0.0.1:" + toPort + path))
        .header("Host", host)
        .timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Map<String, String> headers = new HashMap<>();
      r.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
      return new Response(r.statusCode(), r.body(), headers);
    } catch (IOException e) {
      throw new IllegalStateException("request to " + host + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Signs in through the router; the access token (an exception unless 200). */
  public String login(String host, String email, String password) {
    Response r = post(host, "/api/auth/login", null, Map.of("email", email, "password", password));
    if (r.status() != 200) {
      throw new IllegalStateException("login failed: " + r);
    }
    return r.json().get("access_token").asString();
  }
}
