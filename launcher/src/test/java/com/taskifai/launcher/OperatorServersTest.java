package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code servers add} checks the server answers before storing it; {@code list} shows health. */
class OperatorServersTest {
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void initialisedPlatform() {
    String database = "srv_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    env.putAll(OperatorTest.platformEnv(database, KeyRing.newKeyEntry("op1")));
    Result init = run("init", "--admin-email", "ops@example.com", "--server-id", "pg-1");
    assertThat(init.code()).as(init.out()).isZero();
  }

  private record Result(int code, String out) {}

  private Result run(String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Operator(env, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(args);
    return new Result(code, bytes.toString(StandardCharsets.UTF_8));
  }

  private Result add(String id) {
    return run(
        "servers",
        "add",
        "--id",
        id,
        "--region",
        "eu-west",
        "--url",
        TestPostgres.jdbcUrl("postgres"),
        "--admin-user",
        "postgres",
        "--capacity",
        "5",
        "--connection-budget",
        "30");
  }

  @Test
  void addRefusesAServerThatDoesNotAcceptTheCredentialsAndListShowsHealth() {
    env.put("TASKIFAI_SERVER_ADMIN_PASSWORD", "wrong-password");
    Result refused = add("pg-2");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.out()).contains("password authentication failed").contains("nothing");
    assertThat(refused.out()).doesNotContain("wrong-password");
    assertThat(run("servers", "list").out()).doesNotContain("pg-2");

    env.put("TASKIFAI_SERVER_ADMIN_PASSWORD", TestPostgres.superuserPassword());
    Result added = add("pg-2");
    assertThat(added.code()).as(added.out()).isZero();
    assertThat(added.out()).contains("pg-2 registered (PostgreSQL 15.");

    Result list = run("servers", "list");
    assertThat(list.code()).as(list.out()).isZero();
    String row = list.out().lines().filter(l -> l.startsWith("pg-2 ")).findFirst().orElseThrow();
    assertThat(row).contains("eu-west").contains("OPEN").contains("0/5").contains("30");
    assertThat(row).contains("15.").contains("/300");
    assertThat(list.out()).contains("pg-1 ");

    Result bad =
        run(
            "servers",
            "add",
            "--id",
            "Bad_Id",
            "--region",
            "x",
            "--url",
            "mysql://h",
            "--admin-user",
            "u");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.out()).contains("id must be").contains("jdbc_url must be");
  }
}
