package com.taskifai.api.reconcile;

import java.time.Duration;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.stereotype.Component;

/**
 * When the fleet reconciler runs by itself. {@code taskifai.reconcile.interval} (default PT1H) is
 * the time between runs; {@code taskifai.reconcile.mechanism} chooses how at start: {@code auto} (a
 * Temporal Schedule where the server has schedules, else the timer-loop workflow), {@code
 * schedule}, {@code timer}, or {@code off} (on demand only).
 */
@Component
@EnableConfigurationProperties(ReconcileSettings.Properties.class)
public class ReconcileSettings {
  /** How the periodic runs are driven. */
  public enum Mechanism {
    AUTO,
    SCHEDULE,
    TIMER,
    OFF
  }

  private final Duration interval;
  private final Mechanism mechanism;
  private final Duration removalTimeout;

  /**
   * The reconciler's settings as bound.
   *
   * @param interval how often the fleet reconciler runs
   * @param mechanism auto, schedule, timer or off
   * @param removalTimeout how long removing the reconciler's schedule may take
   */
  @ConfigurationProperties("taskifai.reconcile")
  public record Properties(
      @DefaultValue("PT1H") Duration interval,
      @DefaultValue("auto") String mechanism,
      @DefaultValue("PT2M") Duration removalTimeout) {}

  @Autowired
  public ReconcileSettings(Properties p) {
    this(p.interval(), p.mechanism(), p.removalTimeout());
  }

  public ReconcileSettings(Duration interval, String mechanism, Duration removalTimeout) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("taskifai.reconcile.interval must be positive");
    }
    this.interval = interval;
    try {
      this.mechanism = Mechanism.valueOf(mechanism.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "taskifai.reconcile.mechanism must be auto, schedule, timer or off, not '"
              + mechanism
              + "'");
    }
    this.removalTimeout = removalTimeout;
  }

  public Duration interval() {
    return interval;
  }

  public Mechanism mechanism() {
    return mechanism;
  }

  /** How long an orphan removal may take before the API answers 503. */
  public Duration removalTimeout() {
    return removalTimeout;
  }
}
