package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.api.auth.TotpCodes;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schemathesis, a property-based fuzzer, against the OpenAPI documents of the admin API and the
 * router on a dev platform, signed in as the platform admin and as the demo tenant's user: no
 * answer may be a 500, and every answer must match its document (status code, content type,
 * schema). The fuzzer comes from PyPI ({@code .ci/run} installs it and sets {@value #EXECUTABLE});
 * without it the test is skipped, except in CI ({@code CI=true}), where it fails.
 */
class ApiFuzzTest {
  /** The environment key naming the schemathesis executable ({@code st}). */
  static final String EXECUTABLE = "TASKIFAI_SCHEMATHESIS";

  /** Seconds of fuzzing per app; each run also loads its document and starts up. */
  static final String SECONDS_PER_APP = System.getenv().getOrDefault("TASKIFAI_FUZZ_SECONDS", "60");

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void noGeneratedRequestGetsA500OrAnAnswerItsDocumentDoesNotDescribe(@TempDir Path home)
      throws Exception {
    Optional<String> st = schemathesis();
    if (st.isEmpty()) {
      String why =
          "schemathesis is not installed: run .ci/run, or pip install schemathesis==4.32.5 and"
              + " set "
              + EXECUTABLE
              + " to its schemathesis executable";
      assertThat("true".equals(System.getenv("CI"))).as(why + " (required when CI=true)").isFalse();
      Assumptions.abort(why);
    }
    Map<String, String> env = DevPlatformTest.devEnvironment();
    env.remove(DevPlatform.DEV_DEMO);
    try (DevPlatform platform = new DevPlatform(env, home)) {
      platform.start();
      Properties dev = DevPlatformTest.devFile(home);
      String admin = "http://127.0.0.1:" + env.get("TASKIFAI_ADMIN_PORT");
      String router = "http://127.0.0.1:" + env.get("TASKIFAI_ROUTER_PORT");
      String adminToken =
          token(
              admin + "/admin/login",
              null,
              Map.of(
                  "email", dev.getProperty("TASKIFAI_ADMIN_EMAIL"),
                  "password", dev.getProperty("TASKIFAI_ADMIN_PASSWORD"),
                  "totp",
                      TotpCodes.codeAt(
                          dev.getProperty("TASKIFAI_ADMIN_TOTP_SECRET"), Instant.now())));
      String tenantToken =
          token(
              router + "/api/auth/login",
              "demo.localhost",
              Map.of(
                  "email", dev.getProperty("TASKIFAI_DEMO_EMAIL"),
                  "password", dev.getProperty("TASKIFAI_DEMO_PASSWORD")));

      Path reports = Path.of("target", "schemathesis").toAbsolutePath();
      Files.createDirectories(reports);
      // Both apps are fuzzed at once: each run mostly waits on its app, and the test takes one
      // fuzzing period instead of two.
      CompletableFuture<Optional<String>> adminRun =
          CompletableFuture.supplyAsync(
              () ->
                  fuzzUnchecked(
                      st.get(),
                      admin,
                      List.of("Authorization: Bearer " + adminToken),
                      reports,
                      "admin"));
      CompletableFuture<Optional<String>> routerRun =
          CompletableFuture.supplyAsync(
              () ->
                  fuzzUnchecked(
                      st.get(),
                      router,
                      List.of("Host: demo.localhost", "Authorization: Bearer " + tenantToken),
                      reports,
                      "router"));
      List<String> findings = new ArrayList<>();
      adminRun.join().ifPresent(findings::add);
      routerRun.join().ifPresent(findings::add);
      assertThat(findings).as(String.join("\n\n", findings)).isEmpty();
    }
  }

  private static Optional<String> fuzzUnchecked(
      String st, String base, List<String> headers, Path reports, String name) {
    try {
      return fuzz(st, base, headers, reports, name);
    } catch (Exception e) {
      return Optional.of(name + ": schemathesis could not run: " + e);
    }
  }

  /** Runs the fuzzer against one app; the report of a run that found something. */
  private static Optional<String> fuzz(
      String st, String base, List<String> headers, Path reports, String name) throws Exception {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            st,
            "run",
            base + "/v3/api-docs",
            "--url",
            base,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
                + "response_schema_conformance",
            "--max-time",
            SECONDS_PER_APP,
            "--workers",
            "1",
            "--seed",
            System.getenv().getOrDefault("TASKIFAI_FUZZ_SEED", "24"),
            "--report",
            "junit",
            "--report-junit-path",
            reports.resolve(name + ".xml").toString()));
    for (String h : headers) {
      command.add("--header");
      command.add(h);
    }
    Path log = reports.resolve(name + ".txt");
    Process p =
        new ProcessBuilder(command)
            // Its example database (.schemathesis/) stays under target/ too.
            .directory(reports.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long limit = Long.parseLong(SECONDS_PER_APP) + 120;
    if (!p.waitFor(limit, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return Optional.of(name + ": schemathesis ran longer than " + limit + " s; see " + log);
    }
    if (p.exitValue() == 0) {
      return Optional.empty();
    }
    // Tokens are filtered from schemathesis' output; the log is kept under target/.
    return Optional.of(
        name
            + ": schemathesis found problems (exit "
            + p.exitValue()
            + "), see "
            + log
            + "\n"
            + Files.readString(log, StandardCharsets.UTF_8));
  }

  private String token(String url, String host, Map<String, String> body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (host != null) {
      b.header("Host", host);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("access_token").asText();
  }

  /** {@value #EXECUTABLE} if set, else {@code schemathesis} on the PATH. */
  static Optional<String> schemathesis() {
    String configured = System.getenv(EXECUTABLE);
    if (configured != null && !configured.isBlank()) {
      return Files.isExecutable(Path.of(configured)) ? Optional.of(configured) : Optional.empty();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "schemathesis");
      if (!dir.isBlank() && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toString());
      }
    }
    return Optional.empty();
  }
}
