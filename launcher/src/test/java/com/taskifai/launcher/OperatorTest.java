package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.auth.AdminAccounts;
import com.taskifai.api.auth.TotpCodes;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator's commands on an empty platform database of the test PostgreSQL server. */
class OperatorTest {
  private static final Pattern SECRET = Pattern.compile("secret=([A-Z2-7]+)");
  private final Map<String, String> env = new HashMap<>();
  private String keys;

  @BeforeEach
  void emptyPlatform() {
    String database = "init_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    keys = KeyRing.newKeyEntry("op1");
    env.putAll(platformEnv(database, keys));
  }

  /**
   * The operator's environment for a new platform database on the test server: a dev process
   * (inline keys, no TLS), the test server's roles and the first admin's password.
   */
  static Map<String, String> platformEnv(String database, String masterKeys) {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_ENV", "dev");
    env.put("TASKIFAI_DB_URL", TestPostgres.jdbcUrl(database));
    env.put("TASKIFAI_DB_USER", "taskifai_platform");
    env.put("TASKIFAI_DB_PASSWORD", TestPostgres.PLATFORM_PASSWORD);
    env.put("TASKIFAI_DB_ADMIN_USER", "postgres");
    env.put("TASKIFAI_DB_ADMIN_PASSWORD", TestPostgres.superuserPassword());
    env.put("TASKIFAI_MASTER_KEYS", masterKeys);
    env.put("TASKIFAI_ADMIN_PASSWORD", "first-admin-pw");
    return env;
  }

  private record Result(int code, String out) {}

  private Result run(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Operator(env, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(args);
    return new Result(code, bytes.toString(StandardCharsets.UTF_8));
  }

  private AdminAccounts admins() {
    return new AdminAccounts(
        DevPlatform.dataSource(
            env.get("TASKIFAI_DB_URL"), "taskifai_platform", TestPostgres.PLATFORM_PASSWORD),
        new CredentialCipher(KeyRing.parse(keys)));
  }

  private static String secretOf(String out) {
    Matcher m = SECRET.matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  @Test
  void initMigratesRegistersTheServerAndCreatesTheFirstAdminWithItsEnrolmentOnce() {
    Result first = run("init", "--admin-email", "Ops@Example.com", "--server-id", "pg-9");
    assertThat(first.code()).as(first.out()).isZero();
    assertThat(first.out())
        .contains("otpauth://totp/TaskifAI%3AOps%40Example.com?secret=")
        .contains("issuer=TaskifAI")
        .contains("▀");
    String secret = secretOf(first.out());

    // The printed secret is the stored one: a login with its current code is accepted.
    Instant now = Instant.now();
    AdminAccounts.Outcome login =
        admins().login("ops@example.com", "first-admin-pw", TotpCodes.codeAt(secret, now), now);
    assertThat(login.accepted()).isTrue();

    Result list = run("servers", "list");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("pg-9").contains("/postgres");

    // Again: idempotent, and the enrolment is not shown a second time.
    Result again = run("init", "--admin-email", "ops@example.com", "--server-id", "pg-9");
    assertThat(again.code()).as(again.out()).isZero();
    assertThat(again.out()).contains("exists already").doesNotContain("otpauth://");
  }

  @Test
  void serversDrainSetsTheServerDrainingAndStartsItsDrainOnce() throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (BoundTemporalTestServer temporal = BoundTemporalTestServer.start("127.0.0.1", port)) {
      env.put("TASKIFAI_TEMPORAL_TARGET", "127.0.0.1:" + port);
      assertThat(run("init", "--admin-email", "ops@example.com", "--server-id", "pg-9").code())
          .isZero();
      Result unknown = run("servers", "drain", "nosuch");
      assertThat(unknown.code()).isEqualTo(2);
      assertThat(unknown.out()).contains("no database server has id nosuch");

      Result drained = run("servers", "drain", "pg-9");
      assertThat(drained.code()).as(drained.out()).isZero();
      assertThat(drained.out()).contains("DRAINING").contains("server-drain-pg-9");
      assertThat(run("servers", "list").out()).contains("DRAINING");
      assertThat(run("servers", "drain", "pg-9").out()).contains("runs already");
    }
  }

  @Test
  void adminsAddResetMfaAndRemove() {
    assertThat(run("init", "--admin-email", "ops@example.com").code()).isZero();
    Result added = run("admins", "add", "--email", "second@example.com");
    assertThat(added.code()).as(added.out()).isZero();
    String first = secretOf(added.out());
    assertThat(run("admins", "add", "--email", "second@example.com").code()).isEqualTo(2);

    Result reset = run("admins", "reset-mfa", "--email", "second@example.com");
    assertThat(reset.code()).as(reset.out()).isZero();
    String second = secretOf(reset.out());
    assertThat(second).isNotEqualTo(first);
    Instant now = Instant.now();
    assertThat(
            admins()
                .login("second@example.com", "first-admin-pw", TotpCodes.codeAt(first, now), now)
                .accepted())
        .isFalse();

    assertThat(run("admins", "remove", "--email", "second@example.com").code()).isZero();
    assertThat(admins().exists("second@example.com")).isFalse();
    Result missing = run("admins", "remove", "--email", "second@example.com");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.out()).contains("no platform admin");
  }

  @Test
  void badInputIsRefusedByName() {
    env.remove("TASKIFAI_ADMIN_PASSWORD");
    Result noPassword = run("init", "--admin-email", "ops@example.com");
    assertThat(noPassword.code()).isEqualTo(2);
    assertThat(noPassword.out()).contains("TASKIFAI_ADMIN_PASSWORD must be set");

    Result unknown = run("admins", "promote");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.out()).contains("unknown command 'admins promote'");

    // The settings records' defaults never stand in for what the operator must name.
    env.put("TASKIFAI_ADMIN_PASSWORD", "first-admin-pw");
    String url = env.put("TASKIFAI_DB_URL", " ");
    Result noDatabase = run("admins", "add", "--email", "second@example.com");
    assertThat(noDatabase.code()).isEqualTo(2);
    assertThat(noDatabase.out()).contains("TASKIFAI_DB_URL must be set");
    env.put("TASKIFAI_DB_URL", url);
    env.remove("TASKIFAI_DB_ADMIN_USER");
    Result noOwner = run("admins", "remove", "--email", "second@example.com");
    assertThat(noOwner.code()).isEqualTo(2);
    assertThat(noOwner.out()).contains("TASKIFAI_DB_ADMIN_USER must be set");

    env.put("TASKIFAI_ENV", "production");
    Result production = run("init", "--admin-email", "ops@example.com");
    assertThat(production.code()).isEqualTo(2);
    assertThat(production.out()).contains("TASKIFAI_MASTER_KEYS (inline keys) is refused");
  }
}
