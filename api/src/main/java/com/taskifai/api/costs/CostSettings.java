package com.taskifai.api.costs;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The prices of the cost report and how often tenant databases are sampled. Prices are per month in
 * {@code taskifai.costs.currency} (USD): {@code price-per-gb-month} for database storage (the
 * month's average size; 1 GB = 2^30 bytes), {@code backup-price-per-gb-month} for stored backups,
 * {@code price-per-database} for each tenant database that existed in the month, {@code
 * price-per-million-requests} for requests through the routers. {@code sample-interval} (PT1H) is
 * the time between samplings; {@code sample-mechanism} chooses how they run, like the reconciler's:
 * {@code auto}, {@code schedule}, {@code timer} or {@code off}.
 */
@Component
public class CostSettings {
  /** How the periodic samplings are driven. */
  public enum Mechanism {
    AUTO,
    SCHEDULE,
    TIMER,
    OFF
  }

  /** The prices, per month. */
  public record Prices(
      String currency,
      BigDecimal perGbMonth,
      BigDecimal backupPerGbMonth,
      BigDecimal perDatabase,
      BigDecimal perMillionRequests) {}

  private final Prices prices;
  private final Duration sampleInterval;
  private final Mechanism mechanism;

  public CostSettings(
      @Value("${taskifai.costs.currency:${TASKIFAI_COST_CURRENCY:USD}}") String currency,
      @Value("${taskifai.costs.price-per-gb-month:${TASKIFAI_COST_PRICE_PER_GB_MONTH:0.115}}")
          BigDecimal perGbMonth,
      @Value(
              "${taskifai.costs.backup-price-per-gb-month:${TASKIFAI_COST_BACKUP_PRICE_PER_GB_MONTH:0.023}}")
          BigDecimal backupPerGbMonth,
      @Value("${taskifai.costs.price-per-database:${TASKIFAI_COST_PRICE_PER_DATABASE:5.00}}")
          BigDecimal perDatabase,
      @Value(
              "${taskifai.costs.price-per-million-requests:${TASKIFAI_COST_PRICE_PER_MILLION_REQUESTS:0.40}}")
          BigDecimal perMillionRequests,
      @Value("${taskifai.costs.sample-interval:${TASKIFAI_COST_SAMPLE_INTERVAL:PT1H}}")
          Duration sampleInterval,
      @Value("${taskifai.costs.sample-mechanism:${TASKIFAI_COST_SAMPLE_MECHANISM:auto}}")
          String mechanism) {
    for (BigDecimal p : new BigDecimal[] {perGbMonth, backupPerGbMonth, perDatabase}) {
      if (p.signum() < 0) {
        throw new IllegalArgumentException("taskifai.costs prices must not be negative");
      }
    }
    if (perMillionRequests.signum() < 0) {
      throw new IllegalArgumentException("taskifai.costs prices must not be negative");
    }
    if (sampleInterval.isZero() || sampleInterval.isNegative()) {
      throw new IllegalArgumentException("taskifai.costs.sample-interval must be positive");
    }
    this.prices =
        new Prices(currency.strip(), perGbMonth, backupPerGbMonth, perDatabase, perMillionRequests);
    this.sampleInterval = sampleInterval;
    try {
      this.mechanism = Mechanism.valueOf(mechanism.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "taskifai.costs.sample-mechanism must be auto, schedule, timer or off, not '"
              + mechanism
              + "'");
    }
  }

  public Prices prices() {
    return prices;
  }

  public Duration sampleInterval() {
    return sampleInterval;
  }

  public Mechanism mechanism() {
    return mechanism;
  }
}
