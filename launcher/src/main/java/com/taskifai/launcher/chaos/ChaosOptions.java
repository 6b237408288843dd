package com.taskifai.launcher.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The options of {@code ./taskifai chaos}: how long faults are injected, the seed that decides the
 * faults and the workload (so a run can be replayed), which kinds of fault, how long the platform
 * may take to settle afterwards, how many workload threads run, the run folder, how many faults may
 * be active at once ({@code overlap}) and the mean gap between the starts of two faults. With
 * {@code perKind} above 0 the faults run in lanes instead: each kind on its own seeded schedule of
 * {@code perKind} faults spread over the duration, concurrently with the other kinds ({@link
 * FaultInjector}); {@code overlap} and {@code faultEvery} then do not apply.
 */
public record ChaosOptions(
    Duration duration,
    long seed,
    Set<FaultKind> faults,
    Duration settle,
    int workers,
    Path runFolder,
    int overlap,
    Duration faultEvery,
    int perKind) {

  /** Faults active at once unless {@code --overlap} says otherwise. */
  static final int DEFAULT_OVERLAP = 2;

  /** The mean gap between two faults' starts unless {@code --fault-every} says otherwise. */
  static final Duration DEFAULT_FAULT_EVERY = Duration.ofSeconds(5);

  /** The options of a run before {@code --overlap} and {@code --fault-every}: their defaults. */
  public ChaosOptions(
      Duration duration,
      long seed,
      Set<FaultKind> faults,
      Duration settle,
      int workers,
      Path runFolder) {
    this(duration, seed, faults, settle, workers, runFolder, DEFAULT_OVERLAP, DEFAULT_FAULT_EVERY);
  }

  /** The options of a single stream of faults ({@code --per-kind} not given). */
  public ChaosOptions(
      Duration duration,
      long seed,
      Set<FaultKind> faults,
      Duration settle,
      int workers,
      Path runFolder,
      int overlap,
      Duration faultEvery) {
    this(duration, seed, faults, settle, workers, runFolder, overlap, faultEvery, 0);
  }

  /** True when each kind runs in a lane of its own ({@code --per-kind N}). */
  boolean lanes() {
    return perKind > 0;
  }

  /** The same options with another run folder. */
  ChaosOptions inFolder(Path folder) {
    return new ChaosOptions(
        duration, seed, faults, settle, workers, folder, overlap, faultEvery, perKind);
  }

  static final String USAGE =
      "usage: ./taskifai chaos [--minutes M] [--seed S] [--faults "
          + FaultKind.names()
          + "|all] [--settle-seconds N] [--workers N] [--overlap N] [--fault-every SECONDS]"
          + " [--per-kind N] [--dir FOLDER]";

  /**
   * Parses the command line.
   *
   * @throws IllegalArgumentException with a message that says what to write instead
   */
  public static ChaosOptions parse(String[] args) {
    double minutes = 3;
    long seed = System.currentTimeMillis();
    Set<FaultKind> faults = FaultKind.parse("all");
    int settle = 120;
    int workers = 3;
    Path dir = null;
    int overlap = DEFAULT_OVERLAP;
    double faultEvery = DEFAULT_FAULT_EVERY.toSeconds();
    int perKind = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--minutes" -> minutes = number(a, v, 0.1, 24 * 60);
        case "--seed" -> seed = seed(required(a, v));
        case "--faults" -> faults = FaultKind.parse(required(a, v));
        case "--settle-seconds" -> settle = (int) number(a, v, 10, 3600);
        case "--workers" -> workers = (int) number(a, v, 1, 16);
        case "--dir" -> dir = Path.of(required(a, v));
        case "--overlap" -> overlap = (int) number(a, v, 1, FaultTargets.ALL.size());
        case "--fault-every" -> faultEvery = number(a, v, 1, 3600);
        case "--per-kind" -> perKind = (int) number(a, v, 1, 100_000);
        default -> throw new IllegalArgumentException("unknown option '" + a + "'; " + USAGE);
      }
      i++;
    }
    return new ChaosOptions(
        Duration.ofMillis((long) (minutes * 60_000)),
        seed,
        faults,
        Duration.ofSeconds(settle),
        workers,
        dir,
        overlap,
        Duration.ofMillis((long) (faultEvery * 1000)),
        perKind);
  }

  private static String required(String option, String value) {
    if (value == null || value.startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value; " + USAGE);
    }
    return value;
  }

  private static long seed(String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--seed must be a whole number, got '" + v + "'; " + USAGE);
    }
  }

  private static double number(String option, String value, double min, double max) {
    String v = required(option, value);
    double n;
    try {
      n = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number, got '" + v + "'; " + USAGE);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          option + " must be between " + (long) min + " and " + (long) max + ", got " + v);
    }
    return n;
  }
}
