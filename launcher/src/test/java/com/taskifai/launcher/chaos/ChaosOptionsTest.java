package com.taskifai.launcher.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The chaos command's options and the ledger's allowance for replace-restores, without a platform.
 */
class ChaosOptionsTest {
  @Test
  void theOptionsSetMinutesSeedAndTheFaultKindsByTheirNames() {
    ChaosOptions o =
        ChaosOptions.parse(
            new String[] {
              "--minutes", "2.5", "--seed", "-9007199254740993", "--faults", "smtp,kill-router"
            });

    assertThat(o.duration()).isEqualTo(Duration.ofSeconds(150));
    assertThat(o.seed()).isEqualTo(-9007199254740993L);
    assertThat(o.faults()).containsExactlyInAnyOrder(FaultKind.SMTP, FaultKind.KILL_ROUTER);
    assertThat(ChaosOptions.parse(new String[0]).faults())
        .isEqualTo(EnumSet.allOf(FaultKind.class));
  }

  @Test
  void overlapAndFaultEveryDefaultToTwoFaultsAtOnceEveryFiveSecondsAndCanBeSet() {
    ChaosOptions defaults = ChaosOptions.parse(new String[0]);
    ChaosOptions set =
        ChaosOptions.parse(new String[] {"--overlap", "3", "--fault-every", "1.5", "--seed", "7"});

    assertThat(defaults.overlap()).isEqualTo(2);
    assertThat(defaults.faultEvery()).isEqualTo(Duration.ofSeconds(5));
    assertThat(set.overlap()).isEqualTo(3);
    assertThat(set.faultEvery()).isEqualTo(Duration.ofMillis(1500));
    assertThat(new ChaosReport(set).replay()).contains("--overlap 3 --fault-every 1.5");
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--overlap", "0"}))
        .hasMessageContaining("--overlap must be between 1 and");
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--fault-every", "soon"}))
        .hasMessageContaining("--fault-every must be a number");
  }

  @Test
  void overlappingFaultsNeverShareATargetNorTakeBothRoutersDown() {
    FaultTargets targets = new FaultTargets();
    java.util.Random random = new java.util.Random(26);

    String router = targets.claim(FaultKind.KILL_ROUTER, random).orElseThrow();
    // The other router is neither killed nor paused while this one is down.
    assertThat(targets.claim(FaultKind.KILL_ROUTER, random)).isEmpty();
    for (int i = 0; i < 3; i++) {
      assertThat(targets.claim(FaultKind.PAUSE, random).orElseThrow()).doesNotStartWith("router-");
    }
    assertThat(targets.claim(FaultKind.PAUSE, random)).isEmpty();
    assertThat(targets.claim(FaultKind.REGISTRY_DB, random)).contains("local-1");
    assertThat(targets.claim(FaultKind.REGISTRY_DB, random)).isEmpty();
    assertThat(targets.held()).hasSize(5).contains(router, "local-1");

    targets.release(router);
    assertThat(targets.claim(FaultKind.KILL_ROUTER, random)).get().asString().startsWith("router-");
  }

  @Test
  void
      perKindRunsEachKindInALaneWhoseScheduleSpreadsItsFaultsOverTheMinutesAndReplaysFromTheSeed() {
    ChaosOptions o =
        ChaosOptions.parse(new String[] {"--minutes", "30", "--per-kind", "100", "--seed", "26"});

    assertThat(o.lanes()).isTrue();
    assertThat(ChaosOptions.parse(new String[0]).lanes()).isFalse();
    assertThat(new ChaosReport(o).replay()).contains("--per-kind 100").doesNotContain("--overlap");
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--per-kind", "0"}))
        .hasMessageContaining("--per-kind must be between 1 and");
    // 100 faults in 30 minutes: the k-th is due between k and k + 1/2 gaps of 18 s.
    java.util.Random lane = FaultInjector.laneRandom(26, FaultKind.SMTP);
    long gap = Duration.ofSeconds(18).toNanos();
    for (int k = 0; k < 100; k++) {
      long due = FaultInjector.laneDue(k, o.duration(), o.perKind(), lane);
      assertThat(due).isBetween(k * gap, k * gap + gap / 2);
    }
    // Each lane its own numbers, the same for the same seed.
    assertThat(FaultInjector.laneRandom(26, FaultKind.SMTP).nextLong())
        .isEqualTo(FaultInjector.laneRandom(26, FaultKind.SMTP).nextLong())
        .isNotEqualTo(FaultInjector.laneRandom(26, FaultKind.KILL_API).nextLong())
        .isNotEqualTo(FaultInjector.laneRandom(27, FaultKind.SMTP).nextLong());
  }

  @Test
  void aLaneWhosePathDidNotRecoverWaitsUntilItWorksOrTheFaultsStop() throws Exception {
    java.util.concurrent.atomic.AtomicInteger tries =
        new java.util.concurrent.atomic.AtomicInteger();

    // The path works on the third try: the lane waits through the first two.
    assertThat(
            FaultInjector.untilItWorks(
                () -> tries.incrementAndGet() == 3, () -> false, Duration.ofMillis(1)))
        .isNotNull();
    assertThat(tries.get()).isEqualTo(3);
    // The faults stop while the path still fails: the lane ends without a recovery time.
    assertThat(
            FaultInjector.untilItWorks(
                () -> false, () -> tries.incrementAndGet() > 5, Duration.ofMillis(1)))
        .isNull();
  }

  @Test
  void theReportGivesEachKindsMedianP95AndSlowestRecovery() {
    ChaosReport report =
        new ChaosReport(
            ChaosOptions.parse(new String[] {"--faults", "smtp,pause", "--per-kind", "20"}));
    Instant t0 = Instant.parse("2026-12-07T12:00:00Z");
    for (int i = 1; i <= 20; i++) {
      report.fault(
          new ChaosReport.Fault(
              FaultKind.SMTP, "smtp", t0, t0, "provisioning", t0.plusMillis(i * 100L), ""));
    }
    report.fault(new ChaosReport.Fault(FaultKind.PAUSE, "api", t0, t0, "admin API", null, ""));

    // injected, recovered, median, max, p95 (nearest rank: the 19th of 20)
    assertThat(report.byKind().get(FaultKind.SMTP)).containsExactly(20, 20, 1100, 2000, 1900);
    assertThat(report.byKind().get(FaultKind.PAUSE)).containsExactly(1, 0, -1, -1, -1);
    assertThat(report.markdown()).contains("| smtp | 20 | 20 | 1100 | 1900 | 2000 |");
  }

  @Test
  void anUnknownFaultIsRefusedNamingTheKnownOnes() {
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--faults", "kill-worker,meteor"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown fault 'meteor'")
        .hasMessageContaining(FaultKind.names());
  }

  @Test
  void aMissingOrBadValueIsRefusedWithTheUsage() {
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--minutes"}))
        .hasMessageContaining("--minutes needs a value")
        .hasMessageContaining("usage: ./taskifai chaos");
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--seed", "abc"}))
        .hasMessageContaining("--seed must be a whole number");
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--minutes", "0"}))
        .hasMessageContaining("--minutes must be between");
    assertThatThrownBy(() -> ChaosOptions.parse(new String[] {"--color", "red"}))
        .hasMessageContaining("unknown option '--color'");
  }

  @Test
  void aReplaceRestoreExcusesOnlyTheWritesBetweenItsBackupAndItsEnd() {
    Ledger ledger = new Ledger();
    UUID tenant = UUID.randomUUID();
    Instant t0 = Instant.parse("2026-12-07T12:00:00Z");
    ledger.record(new Ledger.Write(tenant, "a.1", 201, t0, t0.plusMillis(10)));
    ledger.record(new Ledger.Write(tenant, "a.2", 201, t0.plusSeconds(5), t0.plusSeconds(6)));
    ledger.record(new Ledger.Write(tenant, "a.3", 201, t0.plusSeconds(20), t0.plusSeconds(21)));
    ledger.record(new Ledger.Write(tenant, "a.4", 503, t0.plusSeconds(7), t0.plusSeconds(8)));
    ledger.rolledBack(tenant, new Ledger.Window(t0.plusSeconds(1), null, "r"));
    Instant until = t0.plusSeconds(60);

    // While the restore may run, every write after the backup is excused.
    assertThat(ledger.lost(tenant, Set.of(), until))
        .extracting(Ledger.Write::sku)
        .containsExactly("a.1");
    ledger.restoreEnded(tenant, "r", t0.plusSeconds(10));
    // After its end: the write before the backup and the one after the restore must be there.
    assertThat(ledger.lost(tenant, Set.of(), until))
        .extracting(Ledger.Write::sku)
        .containsExactly("a.1", "a.3");
    assertThat(ledger.lost(tenant, Set.of("a.1", "a.3"), until)).isEmpty();
    assertThat(ledger.rolledBackMissing(tenant, Set.of("a.1", "a.3"), until)).isEqualTo(1);
  }
}
