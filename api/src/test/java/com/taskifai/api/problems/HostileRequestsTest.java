package com.taskifai.api.problems;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.ApiTestBase;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Malformed requests a fuzzer sent (issue 24, finding 7) get a problem document with a 4xx status,
 * never a 500 or the servlet container's HTML page.
 */
class HostileRequestsTest extends ApiTestBase {
  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  @Test
  void aQueryParameterWithoutANameIsABadRequestNotAServerError() throws Exception {
    String token = freshToken();
    for (String path :
        new String[] {
          "/admin/tenants?page=1&=null",
          "/admin/audit?=null",
          "/admin/costs?=x",
          "/admin/tenants?limit=5&=",
          "/admin/tenants?search=%00x"
        }) {
      HttpResponse<String> r =
          send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).GET());
      assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(400);
      assertThat(r.body()).contains("\"code\":\"bad_request\"");
    }
    HttpResponse<String> delete =
        send(
            HttpRequest.newBuilder(uri("/admin/tenants/" + java.util.UUID.randomUUID() + "?=x"))
                .header("Authorization", "Bearer " + token)
                .DELETE());
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(400);
    // A query without such parameters still works.
    HttpResponse<String> fine =
        send(
            HttpRequest.newBuilder(uri("/admin/tenants?page=1"))
                .header("Authorization", "Bearer " + token)
                .GET());
    assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
  }

  @Test
  void aMultipartContentTypeWithoutBoundaryIsAClientError() throws Exception {
    String token = freshToken();
    HttpResponse<String> post =
        send(
            HttpRequest.newBuilder(uri("/admin/tenants"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/form-data")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(post.statusCode()).as(post.body()).isIn(400, 415);
    assertThat(post.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    HttpResponse<String> get =
        send(
            HttpRequest.newBuilder(uri("/admin/tenants"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/form-data")
                .method("GET", HttpRequest.BodyPublishers.noBody()));
    assertThat(get.statusCode()).as(get.body()).isLessThan(500);
  }

  @Test
  void aHostHeaderWithAForbiddenCharacterGetsAProblemDocument() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(
          "GET /admin/tenants HTTP/1.1\r\nHost: bad_host!.localhost\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
      o.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String answer = all.toString(StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(answer.toLowerCase()).contains("content-type: application/problem+json");
      assertThat(answer).doesNotContain("<html");
    }
  }

  @Test
  void aPathTheFirewallRefusesGetsAProblemDocumentNotSpringBootsErrorJson() throws Exception {
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(uri("/admin/migrations/%0D/resume"))
                .header("Authorization", "Bearer " + freshToken())
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(r.body()).contains("\"code\":\"bad_request\"").doesNotContain("timestamp");
  }

  @Test
  void theDocumentDescribesAcceptedAnswersNullMembersAndRelativeInstances() throws Exception {
    tools.jackson.databind.JsonNode doc =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET()).body());
    assertThat(doc.at("/paths/~1admin~1tenants/post/responses").has("202")).isTrue();
    assertThat(doc.at("/paths/~1admin~1reconcile/post/responses").has("202")).isTrue();
    assertThat(doc.at("/components/schemas/Problem/properties/instance/format").asString())
        .isEqualTo("uri-reference");
    assertThat(
            doc.at("/components/schemas/ServerControllerServerView/properties/error/type")
                .toString())
        .contains("null");
    // A page for people answers its refusals as a page too.
    assertThat(doc.at("/paths/~1verify-email/get/responses/4XX/content").has("text/html")).isTrue();
  }
}
