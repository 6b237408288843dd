package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the router's class-data archive lives and when a router maps it: only on a classpath of
 * jars, only when it has been written, and never when switched off.
 */
class RouterArchiveTest {
  @TempDir Path folder;

  @Test
  void aClasspathOfJarsKeepsItsArchiveBesideItsFirstJarAndTheSwitchTurnsItOff() throws Exception {
    Path classes = Files.createFile(folder.resolve(RouterClasspath.CLASSES_JAR));
    Files.createDirectories(folder.resolve("lib"));
    Path lib = Files.createFile(folder.resolve("lib").resolve("spring-core-7.0.jar"));
    String classPath = classes + File.pathSeparator + lib;

    assertThat(RouterArchive.of(classPath, Map.of()))
        .contains(folder.toAbsolutePath().resolve(RouterArchive.FILE));
    assertThat(RouterArchive.of(classPath, Map.of(RouterArchive.SWITCH, "false"))).isEmpty();
  }

  @Test
  void aClasspathWithAClassFolderHasNoArchiveBecauseCdsRefusesFolders() throws Exception {
    Path dir = Files.createDirectories(folder.resolve("classes"));
    Path lib = Files.createFile(folder.resolve("spring-core-7.0.jar"));

    assertThat(RouterArchive.of(dir + File.pathSeparator + lib, Map.of())).isEmpty();
  }

  @Test
  void aFailedTrainingRunLeavesNoArchiveSoRoutersStartWithoutOne() throws Exception {
    Path archive = folder.resolve(RouterArchive.FILE);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    // A router command whose main class does not exist: the JVM exits 1 and writes nothing usable.
    RouterArchive.train(
        archive,
        List.of(java, "-cp", folder.toString(), "no.such.RouterMain"),
        Map.of(),
        folder.resolve("logs").resolve("training.log"));

    assertThat(archive).doesNotExist();
    assertThat(folder.resolve(RouterArchive.FILE + ".partial")).doesNotExist();
    assertThat(folder.resolve("logs").resolve("training.log")).content().contains("no.such");
  }
}
