package com.taskifai.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * Generated dev secrets (database passwords, JWT secrets, the dev admin's login), kept in one
 * owner-only file under {@code .taskifai/} so a restart finds the same ones. Never committed.
 */
final class DevSecrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private final Path file;
  private final Properties values = new Properties();

  DevSecrets(Path file) {
    this.file = file;
    if (Files.exists(file)) {
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        values.load(r);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + file, e);
      }
    }
  }

  /**
   * The value stored under {@code name}, generated with {@code bytes} random bytes on first use.
   */
  String random(String name, int bytes) {
    return values.computeIfAbsent(name, k -> token(bytes)).toString();
  }

  /** A base32 TOTP secret (160 bits), generated on first use. */
  String totpSecret(String name) {
    return values
        .computeIfAbsent(
            name,
            k -> {
              StringBuilder sb = new StringBuilder();
              for (int i = 0; i < 32; i++) {
                sb.append(BASE32.charAt(RANDOM.nextInt(32)));
              }
              return sb.toString();
            })
        .toString();
  }

  void save() {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), "secrets", ".tmp");
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        values.store(w, "TaskifAI dev secrets: generated, local to this machine, never commit");
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file, e);
    }
  }

  static String token(int bytes) {
    byte[] raw = new byte[bytes];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
