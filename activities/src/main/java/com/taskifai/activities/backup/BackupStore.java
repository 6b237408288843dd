package com.taskifai.activities.backup;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where encrypted backups live, by object key ({@code <tenant id>/<backup id>.tkb}). An object is
 * visible under its key only once completely written: a failed {@link #put} leaves nothing behind.
 */
public interface BackupStore {
  /** Short name recorded with each backup ({@code folder} or {@code s3}). */
  String kind();

  /**
   * Writes the whole stream under {@code key}, replacing an object already there.
   *
   * @return the number of bytes stored
   */
  long put(String key, InputStream content) throws IOException;

  /** Reads an object; the caller closes the stream. */
  InputStream get(String key) throws IOException;

  /** Deletes an object; deleting what is not there is done. */
  void delete(String key) throws IOException;

  /** True when an object is stored under {@code key}. */
  boolean exists(String key) throws IOException;
}
