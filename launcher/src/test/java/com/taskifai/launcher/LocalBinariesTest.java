package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the dev platform finds the Temporal CLI and Jaeger binaries, and stops what it started. */
class LocalBinariesTest {
  @TempDir Path dir;

  private Path file(Path folder, String name, boolean executable) throws Exception {
    Files.createDirectories(folder);
    Path f = folder.resolve(name);
    Files.writeString(f, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(
        f, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    return f;
  }

  @Test
  void thePathIsSearchedInOrderAndOnlyAnExecutableFileCounts() throws Exception {
    Path first = dir.resolve("first");
    Path second = dir.resolve("second");
    Path third = dir.resolve("third");
    file(first, "temporal", false); // not executable: passed over
    Files.createDirectories(second.resolve("temporal")); // a folder: passed over
    Path found = file(third, "temporal", true);
    Map<String, String> env =
        Map.of(
            "PATH",
            String.join(
                File.pathSeparator, first.toString(), "", second.toString(), third.toString()),
            "GOPATH",
            dir.resolve("go").toString());
    assertThat(LocalBinaries.onPath(env, "temporal")).contains(found);
    assertThat(LocalBinaries.onPath(env, "jaeger")).isEmpty();
  }

  @Test
  void goInstallFolderComesAfterThePath() throws Exception {
    Path go = dir.resolve("go");
    Path installed = file(go.resolve("bin"), "jaeger", true);
    Map<String, String> env =
        Map.of("PATH", dir.resolve("empty").toString(), "GOPATH", go.toString());
    assertThat(LocalBinaries.onPath(env, "jaeger")).contains(installed);
    assertThat(TraceViewer.find(env)).contains(installed);
  }

  @Test
  void anExplicitPathMustBeAnExecutableFile() throws Exception {
    Path tool = file(dir, "temporal", true);
    Path plain = file(dir, "notes", false);
    assertThat(LocalBinaries.at(tool.toString())).contains(tool);
    assertThat(LocalBinaries.at(plain.toString())).isEmpty();
    assertThat(LocalBinaries.at(dir.toString())).isEmpty();
    assertThat(TemporalCli.find(Map.of("TASKIFAI_TEMPORAL_CLI", plain.toString()))).isEmpty();
    assertThat(TemporalCli.find(Map.of("TASKIFAI_TEMPORAL_CLI", tool.toString()))).contains(tool);
  }

  @Test
  void stopEndsARunningProcessAndLeavesAnEndedOneAlone() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    LocalBinaries.stop(sleeper);
    assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
    LocalBinaries.stop(sleeper); // already ended: nothing to do
    LocalBinaries.stop(null);
  }
}
