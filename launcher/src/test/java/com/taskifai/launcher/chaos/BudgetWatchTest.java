package com.taskifai.launcher.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The connection-budget invariant of the chaos soak. Seed 2026 (12 minutes, two faults at once) saw
 * router-1 hold 15 connections of local-2 over a limit of 0 for about a second: it had set its
 * limit to 0 because the registry was down near the end of its lease, and was closing its idle
 * connections. That is the budget's design; an excess that lasts longer than a lease is not.
 */
class BudgetWatchTest {
  private static final Instant T0 = Instant.parse("2026-12-07T12:45:23Z");

  @Test
  void aRouterOverItsLimitForAMomentWhileFencedIsNotAViolation() {
    BudgetWatch watch = new BudgetWatch();

    assertThat(watch.observe("router-1 local-2", 15, 0, T0)).isFalse();
    assertThat(watch.observe("router-1 local-2", 15, 0, T0.plusSeconds(5))).isFalse();
    assertThat(watch.observe("router-1 local-2", 3, 8, T0.plusSeconds(10))).isFalse();
    assertThat(watch.brief()).isEqualTo(1);
    // Over again later: the bound counts from this excess, not from the first one.
    assertThat(watch.observe("router-1 local-2", 9, 8, T0.plusSeconds(30))).isFalse();
  }

  @Test
  void anExcessThatOutlastsALeaseIsAViolation() {
    BudgetWatch watch = new BudgetWatch();

    assertThat(watch.observe("router-1 local-2", 15, 0, T0)).isFalse();
    assertThat(watch.observe("router-2 local-2", 4, 5, T0.plusSeconds(6))).isFalse();
    assertThat(watch.observe("router-1 local-2", 12, 0, T0.plusSeconds(6))).isFalse();
    assertThat(watch.observe("router-1 local-2", 11, 0, T0.plusSeconds(11))).isTrue();
    assertThat(watch.brief()).isZero();
  }

  @Test
  void aRouterThatStoppedAnsweringStartsItsCountAgain() {
    BudgetWatch watch = new BudgetWatch();

    assertThat(watch.observe("router-1 local-2", 15, 0, T0)).isFalse();
    watch.seen(Set.of(), "router-1");
    assertThat(watch.observe("router-1 local-2", 15, 0, T0.plusSeconds(12))).isFalse();
    // A server without a budget (-1) is never over.
    assertThat(watch.observe("router-1 local-1", 40, -1, T0.plusSeconds(30))).isFalse();
  }
}
