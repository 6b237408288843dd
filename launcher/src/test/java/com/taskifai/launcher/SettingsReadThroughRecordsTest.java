package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code TASKIFAI_*} setting of main code is read through a settings class (a {@code
 * ...Settings} record, or the readers named so: {@code ProductionSettings}, {@code
 * SupabaseSettings}, the launcher's {@code DevSettings}): no other class reads one from the
 * environment by its name ({@code env.get("TASKIFAI_...")}, {@code System.getenv("TASKIFAI_...")}
 * and the like). The chaos lane is left to its own work.
 */
class SettingsReadThroughRecordsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /**
   * A lookup of a literal TASKIFAI_ name in an environment map, the process environment, or a
   * Spring environment.
   */
  static final Pattern RAW_READ =
      Pattern.compile(
          "(System\\.getenv\\(\\)\\s*\\.\\s*(get|getOrDefault|containsKey)"
              + "|System\\.getenv"
              + "|\\b(env|environment|effective|platformEnv|vars)\\s*\\.\\s*(get|getOrDefault|containsKey|getProperty))"
              + "\\(\\s*\"TASKIFAI_");

  /** Files that read a name by hand on purpose, and why. */
  private static final Map<String, String> ALLOWED =
      Map.of(
          "api/src/main/java/com/taskifai/api/health/SupabaseStatus.java",
          "reads a Spring Environment, where a test may set the environment name as a property");

  private static boolean settingsClass(Path file) {
    return file.getFileName().toString().endsWith("Settings.java");
  }

  static List<String> rawReads(Path root) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path file :
          all.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> p.toString().contains("/src/main/java/"))
              .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
              .filter(p -> !p.toString().contains("/com/taskifai/launcher/chaos/"))
              .toList()) {
        String relative = root.relativize(file).toString();
        if (settingsClass(file) || ALLOWED.containsKey(relative)) {
          continue;
        }
        String text;
        try {
          text = Files.readString(file);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        Matcher m = RAW_READ.matcher(text);
        while (m.find()) {
          int line = text.substring(0, m.start()).split("\n", -1).length;
          found.add(relative + ":" + line);
        }
      }
    }
    return found;
  }

  @Test
  void noMainClassReadsATaskifaiSettingByItsNameOutsideTheSettingsClasses() throws IOException {
    assertThat(rawReads(ROOT))
        .as("raw TASKIFAI_ reads outside the settings classes: read them through a settings record")
        .isEmpty();
  }

  @Test
  void theScanFindsTheReadsItForbids(@org.junit.jupiter.api.io.TempDir Path root)
      throws IOException {
    Path main = root.resolve("worker/src/main/java/com/taskifai/worker");
    Files.createDirectories(main);
    Files.writeString(
        main.resolve("Raw.java"),
        "class Raw {\n"
            + "  String a(java.util.Map<String, String> env) {\n"
            + "    return env.get(\"TASKIFAI_DB_URL\");\n"
            + "  }\n"
            + "  String b() { return System.getenv(\"TASKIFAI_HOME\"); }\n"
            + "  String c() { return System.getenv().getOrDefault(\"TASKIFAI_HOME\", \"x\"); }\n"
            + "  String d(java.util.Properties dev) { return dev.getProperty(\"TASKIFAI_DB_URL\"); }\n"
            + "}\n");
    // A settings class may read the environment; so may the chaos lane.
    Files.writeString(
        main.resolve("WorkerThingSettings.java"),
        "class WorkerThingSettings { String a(java.util.Map<String, String> env) {"
            + " return env.get(\"TASKIFAI_X\"); } }\n");
    Path chaos = root.resolve("launcher/src/main/java/com/taskifai/launcher/chaos");
    Files.createDirectories(chaos);
    Files.writeString(
        chaos.resolve("Lane.java"),
        "class Lane { String a() { return System.getenv(\"TASKIFAI_X\"); } }\n");

    assertThat(rawReads(root))
        .containsExactly(
            "worker/src/main/java/com/taskifai/worker/Raw.java:3",
            "worker/src/main/java/com/taskifai/worker/Raw.java:5",
            "worker/src/main/java/com/taskifai/worker/Raw.java:6");
  }
}
