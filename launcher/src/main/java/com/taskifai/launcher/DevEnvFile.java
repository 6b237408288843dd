package com.taskifai.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code .taskifai/dev.env}: KEY=VALUE lines that scripts and people source to reach the
 * running dev platform. The key names are a public contract. The file is owner-only since it holds
 * dev logins.
 */
final class DevEnvFile {
  private DevEnvFile() {}

  static void write(Path file, Map<String, String> values) throws IOException {
    write(file, values, List.of());
  }

  /** As {@link #write(Path, Map)}, with {@code notes} as comment lines (why a key is missing). */
  static void write(Path file, Map<String, String> values, List<String> notes) throws IOException {
    StringBuilder sb = new StringBuilder("# Written by ./taskifai dev; local dev logins only.\n");
    notes.forEach(n -> sb.append("# ").append(n.replace('\n', ' ')).append('\n'));
    values.forEach((k, v) -> sb.append(k).append('=').append(v == null ? "" : v).append('\n'));
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), "dev", ".env.tmp");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(tmp, sb, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
