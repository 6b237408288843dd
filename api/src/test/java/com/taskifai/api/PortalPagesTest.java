package com.taskifai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.ApiTestBase;
import org.junit.jupiter.api.Test;

/** The portal's static pages are served without a login and load nothing from elsewhere. */
class PortalPagesTest extends ApiTestBase {

  @Test
  void servesThePortalWithoutExternalAssets() {
    var index = http.get("/", null);
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.body()).contains("<script src=\"/app.js\">").contains("/app.css");
    for (String asset : new String[] {"/", "/app.js", "/app.css"}) {
      var page = http.get(asset, null);
      assertThat(page.status()).as(asset).isEqualTo(200);
      assertThat(page.body()).as(asset).doesNotContain("https://").doesNotContain("//cdn");
    }
  }

  @Test
  void unknownPathsAnswerJson404() {
    var missing = http.get("/no-such-page.html", null);
    assertThat(missing.status()).isEqualTo(404);
    // A JSON object that names the problem, not the servlet container's HTML error page.
    assertThat(missing.body()).doesNotContain("<html").doesNotContain("<HTML");
    assertThat(missing.json().isObject()).as(missing.body()).isTrue();
    assertThat(missing.text("error")).as(missing.body()).isNotBlank();
  }
}
