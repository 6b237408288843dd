package com.taskifai.activities.backup;

import com.taskifai.registry.settings.Settings;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * How long exports are kept in the backup store (the worker's hourly pass deletes them).
 *
 * @param retentionGrace how long an export is kept after its current download link expired (an
 *     ISO-8601 duration or a number of days)
 * @param finalRetention how long the customer's final copy taken at offboarding is kept at least,
 *     from when it was written (an ISO-8601 duration or a number of days)
 */
@ConfigurationProperties("taskifai.export")
public record ExportRetentionSettings(
    @DurationUnit(ChronoUnit.DAYS) @DefaultValue("P7D") Duration retentionGrace,
    @DurationUnit(ChronoUnit.DAYS) @DefaultValue("P30D") Duration finalRetention) {

  public ExportRetentionSettings {
    if (retentionGrace == null || retentionGrace.isNegative()) {
      throw new IllegalArgumentException(
          "TASKIFAI_EXPORT_RETENTION_GRACE must be an ISO-8601 duration such as P7D or a number"
              + " of days, not negative");
    }
    if (finalRetention == null || finalRetention.isNegative()) {
      throw new IllegalArgumentException(
          "TASKIFAI_EXPORT_FINAL_RETENTION must be an ISO-8601 duration such as P30D or a number"
              + " of days, not negative");
    }
  }

  /** The settings {@code settings} bind. */
  public static ExportRetentionSettings from(Settings settings) {
    return settings.bind(ExportRetentionSettings.class);
  }

  /** The defaults: 7 days after the link expired, 30 days for a final copy. */
  public static ExportRetentionSettings defaults() {
    return new ExportRetentionSettings(Duration.ofDays(7), Duration.ofDays(30));
  }
}
