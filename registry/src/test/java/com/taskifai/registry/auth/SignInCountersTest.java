package com.taskifai.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Sign-in allowances and back-offs kept in the platform database: two instances stand for two
 * processes (routers, admin APIs) on one platform database, and a third for a process started after
 * them.
 */
class SignInCountersTest {
  final TestPostgres.Platform db = TestPostgres.platform();
  final Instant t0 = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void twoProcessesShareOneAllowanceThatRefillsEvenly() {
    SignInCounters first = SignInCounters.shared(db.platform());
    SignInCounters second = SignInCounters.shared(db.platform());
    for (int i = 0; i < 6; i++) {
      assertThat((i % 2 == 0 ? first : second).take("address|10.0.0.1", 6, t0)).isEmpty();
    }
    Optional<Duration> refused = second.take("address|10.0.0.1", 6, t0);
    assertThat(refused).contains(Duration.ofSeconds(10));
    assertThat(first.take("address|10.0.0.1", 6, t0.plusSeconds(5))).isPresent();
    // One token back after ten seconds (6 a minute), and another address has its own allowance.
    assertThat(first.take("address|10.0.0.1", 6, t0.plusSeconds(10))).isEmpty();
    assertThat(second.take("address|10.0.0.1", 6, t0.plusSeconds(10))).isPresent();
    assertThat(second.take("address|10.0.0.2", 6, t0)).isEmpty();
    // Keys are stored as digests, not as the addresses and e-mails they count.
    assertThat(
            JdbcClient.create(db.owner())
                .sql("SELECT count(*) FROM sign_in_buckets WHERE key LIKE '%10.0.0%'")
                .query(Integer.class)
                .single())
        .isZero();
  }

  @Test
  void concurrentAttemptsFromManyThreadsTakeExactlyTheAllowance() throws Exception {
    List<SignInCounters> processes =
        List.of(SignInCounters.shared(db.platform()), SignInCounters.shared(db.platform()));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Boolean>> taken = new ArrayList<>();
    try {
      for (int i = 0; i < 60; i++) {
        SignInCounters c = processes.get(i % 2);
        taken.add(pool.submit(() -> c.take("tenant|busy", 20, t0).isEmpty()));
      }
      int granted = 0;
      for (Future<Boolean> f : taken) {
        granted += f.get() ? 1 : 0;
      }
      assertThat(granted).isEqualTo(20);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBackOffStartedByOneProcessHoldsForAProcessStartedAfterIt() {
    LoginBackoff before =
        new LoginBackoff(
            3, Duration.ofSeconds(10), Duration.ofMinutes(1), SignInCounters.shared(db.platform()));
    for (int i = 0; i < 3; i++) {
      before.failed("A@x.test", "10.0.0.9", t0);
    }
    LoginBackoff after =
        new LoginBackoff(
            3, Duration.ofSeconds(10), Duration.ofMinutes(1), SignInCounters.shared(db.platform()));
    assertThat(after.waitFor("a@x.test", "10.0.0.9", t0.plusSeconds(4)))
        .contains(Duration.ofSeconds(6));
    assertThat(after.waitFor("a@x.test", "10.0.0.8", t0)).isEmpty();
    // The count goes on where the first process left it: the fourth failure doubles the wait.
    assertThat(after.failed("a@x.test", "10.0.0.9", t0.plusSeconds(10)).delay())
        .isEqualTo(Duration.ofSeconds(20));
    before.succeeded("a@x.test", "10.0.0.9");
    assertThat(after.waitFor("a@x.test", "10.0.0.9", t0.plusSeconds(11))).isEmpty();
    // Failures long past are forgotten: the count starts again.
    after.failed("b@x.test", "10.0.0.9", t0);
    after.failed("b@x.test", "10.0.0.9", t0);
    assertThat(after.failed("b@x.test", "10.0.0.9", t0.plus(Duration.ofHours(1))).count())
        .isEqualTo(1);
  }

  @Test
  void withoutThePlatformDatabaseTheCountsFallBackToThisProcess() {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/nowhere");
    c.setUsername("nobody");
    c.setConnectionTimeout(250);
    c.setInitializationFailTimeout(-1);
    try (HikariDataSource unreachable = new HikariDataSource(c)) {
      SignInCounters counters = SignInCounters.shared(unreachable);
      assertThat(counters.take("address|10.0.0.1", 2, t0)).isEmpty();
      assertThat(counters.take("address|10.0.0.1", 2, t0)).isEmpty();
      assertThat(counters.take("address|10.0.0.1", 2, t0)).contains(Duration.ofSeconds(30));
      LoginBackoff backoff =
          new LoginBackoff(1, Duration.ofSeconds(5), Duration.ofMinutes(1), counters);
      backoff.failed("a@x.test", "10.0.0.1", t0);
      assertThat(backoff.waitFor("a@x.test", "10.0.0.1", t0)).contains(Duration.ofSeconds(5));
    }
  }
}
