package com.taskifai.api.costs;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The prices of the cost report and how often tenant databases are sampled. Prices are per month in
 * {@code taskifai.costs.currency} (USD): {@code price-per-gb-month} for database storage (the
 * month's average size; 1 GB = 2^30 bytes), {@code backup-price-per-gb-month} for stored backups,
 * {@code price-per-database} for each tenant database that existed in the month, {@code
 * price-per-million-requests} for requests through the routers. {@code sample-interval} (PT1H) is
 * the time between samplings; {@code sample-mechanism} chooses how they run, like the reconciler's:
 * {@code auto}, {@code schedule}, {@code timer} or {@code off}. The environment names are {@code
 * TASKIFAI_COST_*} (aliases: relaxed binding would want {@code TASKIFAI_COSTS_*}, which works too).
 *
 * @param currency currency of the prices
 * @param pricePerGbMonth price of a GB of database storage a month (the month's average size)
 * @param backupPricePerGbMonth price of a GB of stored backups a month
 * @param pricePerDatabase price of each tenant database that existed in the month
 * @param pricePerMillionRequests price of a million requests through the routers
 * @param sampleInterval time between samplings of the database sizes
 * @param sampleMechanism how the samplings run: auto, schedule, timer or off
 * @param metricsRefresh how often the cost gauges are read again from the registry
 */
@ConfigurationProperties("taskifai.costs")
public record CostSettings(
    @DefaultValue("USD") String currency,
    @DefaultValue("0.115") BigDecimal pricePerGbMonth,
    @DefaultValue("0.023") BigDecimal backupPricePerGbMonth,
    @DefaultValue("5.00") BigDecimal pricePerDatabase,
    @DefaultValue("0.40") BigDecimal pricePerMillionRequests,
    @DefaultValue("PT1H") Duration sampleInterval,
    @DefaultValue("auto") String sampleMechanism,
    @DefaultValue("PT1M") Duration metricsRefresh) {

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

  public CostSettings {
    currency = currency.strip();
    notNegative("price-per-gb-month", pricePerGbMonth);
    notNegative("backup-price-per-gb-month", backupPricePerGbMonth);
    notNegative("price-per-database", pricePerDatabase);
    notNegative("price-per-million-requests", pricePerMillionRequests);
    positive("sample-interval", sampleInterval);
    positive("metrics-refresh", metricsRefresh);
    parse(sampleMechanism);
  }

  public Prices prices() {
    return new Prices(
        currency,
        pricePerGbMonth,
        backupPricePerGbMonth,
        pricePerDatabase,
        pricePerMillionRequests);
  }

  public Mechanism mechanism() {
    return parse(sampleMechanism);
  }

  private static Mechanism parse(String mechanism) {
    try {
      return Mechanism.valueOf(mechanism.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "taskifai.costs.sample-mechanism (TASKIFAI_COST_SAMPLE_MECHANISM) must be auto,"
              + " schedule, timer or off, not '"
              + mechanism
              + "'");
    }
  }

  private static void notNegative(String name, BigDecimal price) {
    if (price.signum() < 0) {
      throw new IllegalArgumentException(
          "taskifai.costs." + name + " (" + env(name) + ") must not be negative, not " + price);
    }
  }

  private static void positive(String name, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(
          "taskifai.costs." + name + " (" + env(name) + ") must be positive, not " + d);
    }
  }

  private static String env(String name) {
    return "TASKIFAI_COST_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
