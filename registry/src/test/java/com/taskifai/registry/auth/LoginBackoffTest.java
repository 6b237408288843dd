package com.taskifai.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginBackoffTest {
  final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
  final LoginBackoff backoff = new LoginBackoff(3, Duration.ofSeconds(10), Duration.ofSeconds(35));

  @Test
  void waitsAfterTheFreeFailuresDoublingUpToTheLongest() {
    assertThat(backoff.failed("A@x.test", "10.0.0.1", t0).delay()).isZero();
    assertThat(backoff.failed("a@x.test", "10.0.0.1", t0).delay()).isZero();
    assertThat(backoff.waitFor("a@x.test", "10.0.0.1", t0)).isEmpty();
    LoginBackoff.Failure third = backoff.failed("a@x.test", "10.0.0.1", t0);
    assertThat(third.started()).isTrue();
    assertThat(third.delay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.waitFor("a@x.test", "10.0.0.1", t0.plusSeconds(4)))
        .contains(Duration.ofSeconds(6));
    assertThat(backoff.waitFor("a@x.test", "10.0.0.1", t0.plusSeconds(10))).isEmpty();
    LoginBackoff.Failure fourth = backoff.failed("a@x.test", "10.0.0.1", t0.plusSeconds(10));
    assertThat(fourth.started()).isFalse();
    assertThat(fourth.delay()).isEqualTo(Duration.ofSeconds(20));
    assertThat(backoff.failed("a@x.test", "10.0.0.1", t0.plusSeconds(30)).delay())
        .isEqualTo(Duration.ofSeconds(35));
    assertThat(backoff.backoffAfter(60)).isEqualTo(Duration.ofSeconds(35));
  }

  @Test
  void onePairWaitingLeavesOtherAddressesAndAccountsAlone() {
    for (int i = 0; i < 5; i++) {
      backoff.failed("a@x.test", "10.0.0.1", t0);
    }
    assertThat(backoff.waitFor("a@x.test", "10.0.0.1", t0)).isPresent();
    assertThat(backoff.waitFor("a@x.test", "10.0.0.2", t0)).isEmpty();
    assertThat(backoff.waitFor("b@x.test", "10.0.0.1", t0)).isEmpty();
    backoff.succeeded("a@x.test", "10.0.0.1");
    assertThat(backoff.waitFor("a@x.test", "10.0.0.1", t0)).isEmpty();
    assertThat(LoginBackoff.retryAfterSeconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(LoginBackoff.retryAfterSeconds(Duration.ofMillis(29_001))).isEqualTo(30);
  }
}
