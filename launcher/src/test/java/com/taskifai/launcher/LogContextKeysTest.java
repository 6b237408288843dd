package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.registry.LogContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One set of log context keys: every key that a log pattern of the platform reads (with %X) is one
 * of {@link LogContext}'s keys, and no code puts a key into the MDC by a string of its own.
 */
class LogContextKeysTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern READ = Pattern.compile("%X\\{([^}:]+)");
  private static final Pattern WRITE = Pattern.compile("MDC\\.(put|remove)\\(\\s*\"");

  private static List<Path> sources(String... extensions) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(ROOT)) {
      all.filter(Files::isRegularFile)
          .filter(p -> p.toString().contains("/src/"))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
          .filter(p -> !p.endsWith("LogContextKeysTest.java"))
          .filter(p -> Stream.of(extensions).anyMatch(e -> p.toString().endsWith(e)))
          .forEach(files::add);
    }
    return files;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyPatternReadsOnlyTheSharedKeys() throws IOException {
    List<String> keysRead = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (Path file : sources(".properties", ".xml", ".java")) {
      Matcher m = READ.matcher(read(file));
      while (m.find()) {
        keysRead.add(m.group(1));
        if (!LogContext.KEYS.contains(m.group(1))) {
          unknown.add(ROOT.relativize(file) + ": %X{" + m.group(1) + "}");
        }
      }
    }
    assertThat(keysRead).contains(LogContext.TENANT_ID, LogContext.WORKFLOW_ID);
    assertThat(unknown).isEmpty();
  }

  @Test
  void noCodeWritesAKeyOfItsOwn() throws IOException {
    List<String> literal = new ArrayList<>();
    for (Path file : sources(".java")) {
      if (WRITE.matcher(read(file)).find()) {
        literal.add(ROOT.relativize(file).toString());
      }
    }
    assertThat(literal).isEmpty();
  }
}
