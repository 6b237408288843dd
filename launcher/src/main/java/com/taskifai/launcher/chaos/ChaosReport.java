package com.taskifai.launcher.chaos;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a chaos run saw: the faults injected (with their recovery), the workload's operations by
 * kind and outcome, and every invariant violation with the seed and time to replay it. Written as
 * {@code chaos-report.json} and {@code chaos-report.md} in the run folder and printed.
 */
final class ChaosReport {
  /**
   * One fault: injected at {@code start} on {@code target}, over at {@code end}; the affected path
   * ({@code probe}) first succeeded again at {@code recovered} (null: not within the bound).
   */
  record Fault(
      FaultKind kind,
      String target,
      Instant start,
      Instant end,
      String probe,
      Instant recovered,
      String note) {
    Duration recovery() {
      return recovered == null ? null : Duration.between(end, recovered);
    }
  }

  /** An invariant that did not hold: which, when, and what was seen. */
  record Violation(String invariant, Instant at, String detail) {}

  private final ChaosOptions options;
  private final Instant started = Instant.now();
  private volatile Instant faultsStopped;
  private volatile Instant finished;
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, AtomicLong>> operations = new ConcurrentHashMap<>();
  private final List<Violation> violations = new CopyOnWriteArrayList<>();
  private final Map<String, String> facts = new ConcurrentHashMap<>();

  ChaosReport(ChaosOptions options) {
    this.options = options;
  }

  Instant started() {
    return started;
  }

  void operation(String kind, String outcome) {
    operations
        .computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, o -> new AtomicLong())
        .incrementAndGet();
  }

  void fault(Fault f) {
    faults.add(f);
  }

  void violation(String invariant, String detail) {
    Violation v = new Violation(invariant, Instant.now(), detail);
    violations.add(v);
    log(
        "VIOLATION %s at +%ds: %s",
        invariant, Duration.between(started, v.at()).toSeconds(), detail);
  }

  /** A line of progress on stderr and in {@code chaos.log} of the run folder. */
  void log(String format, Object... args) {
    String line = "chaos: " + String.format(format, args);
    System.err.println(line);
    if (options.runFolder() != null) {
      try {
        Files.createDirectories(options.runFolder());
        Files.writeString(
            options.runFolder().resolve("chaos.log"),
            Instant.now() + " " + line + "\n",
            java.nio.charset.StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException e) {
        // stderr has it
      }
    }
  }

  /** A line of the report's facts (tenants made, writes checked, ...). */
  void fact(String key, Object value) {
    facts.put(key, String.valueOf(value));
  }

  void faultsStopped() {
    faultsStopped = Instant.now();
  }

  void finished() {
    finished = Instant.now();
  }

  List<Fault> faults() {
    return List.copyOf(faults);
  }

  List<Violation> violations() {
    return List.copyOf(violations);
  }

  long count(String kind, String outcome) {
    Map<String, AtomicLong> m = operations.get(kind);
    AtomicLong n = m == null ? null : m.get(outcome);
    return n == null ? 0 : n.get();
  }

  /**
   * The faults of each kind: injected, recovered, the median and slowest recovery and the 95th
   * percentile (nearest rank) of the recoveries (ms; -1 when none recovered).
   */
  Map<FaultKind, long[]> byKind() {
    Map<FaultKind, long[]> out = new TreeMap<>();
    for (FaultKind k : options.faults()) {
      List<Long> times = new ArrayList<>();
      long injected = 0;
      for (Fault f : faults) {
        if (f.kind() == k) {
          injected++;
          if (f.recovery() != null) {
            times.add(f.recovery().toMillis());
          }
        }
      }
      times.sort(null);
      long median = times.isEmpty() ? -1 : times.get(times.size() / 2);
      long max = times.isEmpty() ? -1 : times.get(times.size() - 1);
      long p95 = times.isEmpty() ? -1 : times.get((int) Math.ceil(0.95 * times.size()) - 1);
      out.put(k, new long[] {injected, times.size(), median, max, p95});
    }
    return out;
  }

  private long offset(Instant at) {
    return at == null ? -1 : Duration.between(started, at).toMillis();
  }

  ObjectNode json() {
    ObjectNode root = PlatformClient.JSON.createObjectNode();
    root.put("seed", options.seed());
    root.put("minutes", options.duration().toMillis() / 60_000.0);
    root.put(
        "faults_option",
        String.join(",", options.faults().stream().map(FaultKind::option).toList()));
    root.put("overlap", options.overlap());
    root.put("fault_every_s", options.faultEvery().toMillis() / 1000.0);
    root.put("per_kind", options.perKind());
    root.put("started_at", started.toString());
    root.put("faults_stopped_ms", offset(faultsStopped));
    root.put("finished_ms", offset(finished));
    ObjectNode kinds = root.putObject("faults_by_kind");
    byKind()
        .forEach(
            (k, v) -> {
              ObjectNode n = kinds.putObject(k.option());
              n.put("injected", v[0]);
              n.put("recovered", v[1]);
              n.put("median_recovery_ms", v[2]);
              n.put("p95_recovery_ms", v[4]);
              n.put("max_recovery_ms", v[3]);
            });
    ArrayNode list = root.putArray("faults");
    for (Fault f : faults) {
      ObjectNode n = list.addObject();
      n.put("kind", f.kind().option());
      n.put("target", f.target());
      n.put("start_ms", offset(f.start()));
      n.put("end_ms", offset(f.end()));
      n.put("probe", f.probe());
      n.put("recovery_ms", f.recovery() == null ? -1 : f.recovery().toMillis());
      n.put("note", f.note());
    }
    ObjectNode ops = root.putObject("operations");
    new TreeMap<>(operations)
        .forEach(
            (k, m) -> {
              ObjectNode n = ops.putObject(k);
              new TreeMap<>(m).forEach((o, c) -> n.put(o, c.get()));
            });
    ObjectNode f = root.putObject("facts");
    new TreeMap<>(facts).forEach(f::put);
    ArrayNode v = root.putArray("violations");
    for (Violation x : violations) {
      ObjectNode n = v.addObject();
      n.put("invariant", x.invariant());
      n.put("at_ms", offset(x.at()));
      n.put("detail", x.detail());
      n.put("replay", replay());
    }
    return root;
  }

  String replay() {
    return "./taskifai chaos --seed "
        + options.seed()
        + " --minutes "
        + options.duration().toMillis() / 60_000.0
        + " --faults "
        + String.join(",", options.faults().stream().map(FaultKind::option).toList())
        + (options.lanes()
            ? " --per-kind " + options.perKind()
            : " --overlap "
                + options.overlap()
                + " --fault-every "
                + options.faultEvery().toMillis() / 1000.0);
  }

  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Chaos run, seed ").append(options.seed()).append("\n\n");
    b.append("Replay: `").append(replay()).append("`; started ").append(started).append("\n\n");
    b.append(
        "## Faults by kind\n\n| kind | injected | recovered | median recovery ms | p95 ms | max ms"
            + " |\n");
    b.append("|---|---|---|---|---|---|\n");
    byKind()
        .forEach(
            (k, v) ->
                b.append("| ")
                    .append(k.option())
                    .append(" | ")
                    .append(v[0])
                    .append(" | ")
                    .append(v[1])
                    .append(" | ")
                    .append(v[2])
                    .append(" | ")
                    .append(v[4])
                    .append(" | ")
                    .append(v[3])
                    .append(" |\n"));
    b.append("\n## Faults\n\n| +ms | kind | target | lasted ms | probe | recovery ms | note |\n");
    b.append("|---|---|---|---|---|---|---|\n");
    for (Fault f : faults) {
      b.append("| ")
          .append(offset(f.start()))
          .append(" | ")
          .append(f.kind().option())
          .append(" | ")
          .append(f.target())
          .append(" | ")
          .append(Duration.between(f.start(), f.end()).toMillis())
          .append(" | ")
          .append(f.probe())
          .append(" | ")
          .append(f.recovery() == null ? "not recovered" : f.recovery().toMillis())
          .append(" | ")
          .append(f.note())
          .append(" |\n");
    }
    b.append("\n## Operations by kind and outcome\n\n| operation | outcomes |\n|---|---|\n");
    new TreeMap<>(operations)
        .forEach(
            (k, m) -> {
              b.append("| ").append(k).append(" | ");
              new TreeMap<>(m).forEach((o, c) -> b.append(o).append('=').append(c).append(' '));
              b.append("|\n");
            });
    b.append("\n## Facts\n\n");
    new TreeMap<>(facts)
        .forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append("\n## Violations: ").append(violations.size()).append("\n\n");
    for (Violation x : violations) {
      b.append("- +")
          .append(offset(x.at()))
          .append(" ms ")
          .append(x.invariant())
          .append(": ")
          .append(x.detail())
          .append('\n');
    }
    return b.toString();
  }

  /** Writes the JSON and markdown files into {@code folder}. */
  void write(Path folder) throws IOException {
    Files.createDirectories(folder);
    Files.writeString(
        folder.resolve("chaos-report.json"),
        PlatformClient.JSON
            .copy()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(json()));
    Files.writeString(folder.resolve("chaos-report.md"), markdown());
  }
}
