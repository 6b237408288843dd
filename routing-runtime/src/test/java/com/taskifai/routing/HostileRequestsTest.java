package com.taskifai.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed requests a fuzzer sent to the router (issue 24, finding 7) get a problem document with
 * a 4xx status, never a 500 or the servlet container's HTML page.
 */
class HostileRequestsTest {
  static RouterApp app;
  static TenantFixture.TestTenant tenant;
  static String token;
  static String host;

  @BeforeAll
  static void start() {
    app = SharedRouter.app();
    tenant = SharedRouter.fixture().createFromTemplate(TenantFixture.subdomain("hostile"));
    token = app.adminToken(tenant);
    host = tenant.subdomain() + ".localhost";
  }

  @Test
  void aQueryParameterWithoutANameIsABadRequestNotAServerError() {
    for (String path :
        new String[] {
          "/api/products?=null", "/api/orders?limit=5&=x", "/api/conversations?=", "/api/sellout?=0"
        }) {
      RouterApp.Response r = app.get(host, path, token);
      assertThat(r.status()).as(path + " " + r.body()).isEqualTo(400);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
      assertThat(r.json().get("code").asString()).isEqualTo("bad_request");
    }
    assertThat(app.get(host, "/api/products?limit=5", token).status()).isEqualTo(200);
  }

  @Test
  void aJsonBodyOrABoundlessMultipartToTheUploadIsABadRequest() {
    RouterApp.Response json =
        app.post(host, "/api/sellout/uploads?vendor=acme", token, Map.of("file", "a,b"));
    assertThat(json.status()).as(json.body()).isBetween(400, 415);
    assertThat(json.header("Content-Type")).startsWith("application/problem+json");

    int boundless =
        app.rawStatus(
            ("POST /api/sellout/uploads?vendor=acme HTTP/1.1\r\nHost: "
                    + host
                    + "\r\nAuthorization: Bearer "
                    + token
                    + "\r\nContent-Type: multipart/form-data\r\nContent-Length: 2\r\n"
                    + "Connection: close\r\n\r\n{}")
                .getBytes(StandardCharsets.ISO_8859_1));
    assertThat(boundless).isEqualTo(400);
  }

  @Test
  void aHostHeaderWithAForbiddenCharacterGetsAProblemDocument() throws Exception {
    try (Socket s = new Socket("127.0.0.1", app.port)) {
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(
          "GET /api/products HTTP/1.1\r\nHost: bad_host!.localhost\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
      o.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      String answer = all.toString(StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(answer.toLowerCase()).contains("content-type: application/problem+json");
      assertThat(answer).contains("\"code\":\"bad_request\"").doesNotContain("<html");
    }
  }
}
