package com.taskifai.api;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The last {@code days} UTC days, today included, as a half-open range {@code [from, to)}: the
 * window behind the {@code ?days=} parameter of the usage and performance endpoints.
 *
 * @param from the first day in the window
 * @param to the day after today
 */
public record DayWindow(LocalDate from, LocalDate to) {

  /**
   * Reads {@code days} (blank for {@code byDefault}) and refuses anything but a whole number from 1
   * to {@code max} with a 400 that says the range.
   */
  public static DayWindow lastDays(String days, int byDefault, int max, Clock clock) {
    int n;
    try {
      n = days == null || days.isBlank() ? byDefault : Integer.parseInt(days.trim());
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > max) {
      throw ApiException.badRequest(
          "days must be a whole number from 1 to " + max + ", got " + days);
    }
    LocalDate to = LocalDate.now(clock.withZone(ZoneOffset.UTC)).plusDays(1);
    return new DayWindow(to.minusDays(n), to);
  }
}
