package com.taskifai.launcher.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The temporary home of a benchmark's embedded platform (registry, tenant databases, keys), deleted
 * when the benchmark is done with it: a 1000-tenant fleet leaves about 5 GB of PostgreSQL data
 * behind otherwise. {@code -Dtaskifai.bench.keep=true} keeps it for a look afterwards.
 */
final class ScratchDirectory implements AutoCloseable {
  private final Path path;

  private ScratchDirectory(Path path) {
    this.path = path;
  }

  static ScratchDirectory create(String prefix) throws IOException {
    return new ScratchDirectory(Files.createTempDirectory(prefix));
  }

  Path path() {
    return path;
  }

  @Override
  public void close() {
    if (Boolean.getBoolean("taskifai.bench.keep")) {
      System.err.printf("bench: kept %s%n", path);
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      all.sorted(Comparator.reverseOrder()).forEach(ScratchDirectory::delete);
    } catch (IOException | UncheckedIOException e) {
      System.err.printf("bench: could not delete all of %s (%s)%n", path, e.getMessage());
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
