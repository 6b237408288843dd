package com.taskifai.activities.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Backups as files in a folder (the dev default {@code .taskifai/backups}). A backup is written to
 * a temporary file beside its place and moved there when complete, so a crash mid-write never
 * leaves a partial object under the real key.
 */
public final class FolderBackupStore implements BackupStore {
  private final Path root;

  public FolderBackupStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public String kind() {
    return "folder";
  }

  private Path path(String key) {
    Path p = root.resolve(key).normalize();
    if (!p.startsWith(root) || key.isBlank()) {
      throw new IllegalArgumentException("backup key escapes the backup folder");
    }
    return p;
  }

  @Override
  public long put(String key, InputStream content) throws IOException {
    Path target = path(key);
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), ".upload-", ".part");
    try {
      long n;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        n = content.transferTo(out);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return n;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public InputStream get(String key) throws IOException {
    return Files.newInputStream(path(key));
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      Files.delete(path(key));
    } catch (NoSuchFileException gone) {
      // already deleted
    }
  }

  @Override
  public boolean exists(String key) {
    return Files.isRegularFile(path(key));
  }

  @Override
  public String toString() {
    return "folder " + root;
  }
}
