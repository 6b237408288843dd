package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Failed sign-ins are counters per hour, e-mail, address and reason, bounded in age and rows. */
class FailedLoginsTest {
  final TestPostgres.Platform db = TestPostgres.platform();

  private int rows() {
    return org.springframework.jdbc.core.simple.JdbcClient.create(db.owner())
        .sql("SELECT count(*) FROM failed_logins")
        .query(Integer.class)
        .single();
  }

  @Test
  void repeatedFailuresOfOneKeyAreOneCounterRow() {
    FailedLogins f = new FailedLogins(db.platform(), Duration.ofDays(30), 1000);
    Instant now = Instant.parse("2026-03-01T10:15:00Z");
    for (int i = 0; i < 50; i++) {
      f.record("nobody@x.test", "10.0.0.1", "bad_credentials", now.plusSeconds(i));
    }
    assertThat(rows()).isEqualTo(1);
    FailedLogins.Entry e = f.recent(10).get(0);
    assertThat(e.attempts()).isEqualTo(50);
    assertThat(e.hour()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
    assertThat(e.lastAt()).isEqualTo(now.plusSeconds(49));
  }

  @Test
  void rowsPastTheRetentionOrBeyondTheCapAreDeleted() {
    FailedLogins f = new FailedLogins(db.platform(), Duration.ofDays(1), 5, Duration.ofDays(365));
    Instant old = Instant.parse("2026-03-01T10:00:00Z");
    f.record("old@x.test", "10.0.0.1", "bad_credentials", old);
    Instant now = old.plus(Duration.ofDays(2));
    for (int i = 0; i < 20; i++) {
      f.record("guess" + i + "@x.test", "10.0.0.2", "bad_credentials", now.plusSeconds(i));
    }
    assertThat(rows()).isEqualTo(21);
    assertThat(f.prune(now.plusSeconds(30))).isEqualTo(16);
    assertThat(f.recent(100))
        .extracting(FailedLogins.Entry::email)
        .containsExactly(
            "guess19@x.test",
            "guess18@x.test",
            "guess17@x.test",
            "guess16@x.test",
            "guess15@x.test");
  }

  @Test
  void longInputIsClippedToTheColumnBounds() {
    FailedLogins f = new FailedLogins(db.platform(), Duration.ofDays(30), 1000);
    f.record("x".repeat(5000), "a".repeat(200), "bad_credentials", Instant.now());
    assertThat(f.recent(1).get(0).email()).hasSize(254);
  }
}
