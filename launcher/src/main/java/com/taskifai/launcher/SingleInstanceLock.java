package com.taskifai.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An OS file lock on {@code .taskifai/dev.lock}: a second dev platform on the same folder finds it
 * held and stops with a clear message instead of failing on a taken port. The OS releases the lock
 * when the process dies, so a crash leaves nothing to clean up.
 */
final class SingleInstanceLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SingleInstanceLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock, or empty when another live process holds it. */
  static Optional<SingleInstanceLock> tryAcquire(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException sameJvm) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      return Optional.empty();
    }
    ch.truncate(0);
    ch.write(
        java.nio.ByteBuffer.wrap(
            (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
    return Optional.of(new SingleInstanceLock(ch, lock));
  }

  /** The pid written by the holder, for the message. */
  static String holder(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "?";
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
