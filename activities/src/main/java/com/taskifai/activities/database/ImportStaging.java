package com.taskifai.activities.database;

import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.tenantschema.imports.CustomDump;
import com.taskifai.tenantschema.imports.ImportInputs;
import com.taskifai.tenantschema.imports.ImportProblem;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Where an uploaded import file rests until its import ends: checked by its format, then streamed
 * once, encrypted (the backups' AES-256-GCM under a data key of its own, wrapped by the key ring),
 * into the backup store as {@code imports/<tenant>/<import id>.tki}, and its row in {@code
 * tenant_imports} names it. The API stages an upload through here (so does the import benchmark);
 * {@code stage_input} then finds it stored and only checks it again.
 *
 * <p>A custom dump ({@code pg_dump -Fc}, recognised by its first bytes) streams from the upload
 * into the store without being held in memory, whatever its size. A plain dump, an export archive
 * or a CSV bundle is checked whole (its statements, its manifest and files, its rows), so it is
 * read into memory for that and may be at most {@link #CHECKED_WHOLE_MAX} bytes.
 */
public final class ImportStaging {
  /** The largest plain dump, export archive or CSV bundle an upload may carry (64 MiB). */
  public static final long CHECKED_WHOLE_MAX = 64L << 20;

  private static final int HEAD = 16;

  private final BackupStore store;
  private final CredentialCipher cipher;
  private final TenantImports imports;

  public ImportStaging(DataSource platform, BackupStore store, CredentialCipher cipher) {
    this.store = store;
    this.cipher = cipher;
    this.imports = new TenantImports(platform, cipher);
  }

  /** An uploaded file: opened as often as needed (the servlet container keeps it on disk). */
  public interface Upload {
    InputStream open() throws IOException;

    long size();
  }

  /** A file larger than {@link #CHECKED_WHOLE_MAX} in a format that is checked whole. */
  public static final class TooLargeToCheck extends RuntimeException {
    TooLargeToCheck(String format, long size) {
      super(
          "a "
              + describe(format)
              + " is checked whole and may be at most "
              + (CHECKED_WHOLE_MAX >> 20)
              + "MB (this one is "
              + size
              + " bytes): send the database as a custom-format dump (pg_dump -Fc), which is"
              + " streamed, or import it from a live source (source_url)");
    }

    private static String describe(String format) {
      return switch (format == null ? "" : format) {
        case "archive" -> "export archive";
        case "csv" -> "CSV bundle";
        default -> "plain SQL dump";
      };
    }
  }

  /** What staging found: the format, and the problems (then nothing was stored). */
  public record Staged(String format, List<ImportProblem> report) {
    public boolean refused() {
      return !report.isEmpty();
    }
  }

  /** The object key of an import's staged file in the backup store. */
  public static String objectKey(UUID tenantId, String importId) {
    return "imports/" + tenantId + "/" + importId + ".tki";
  }

  /** What the staged file's encryption is bound to (the cipher binds each object to an id). */
  public static UUID binding(UUID tenantId, String importId) {
    return UUID.nameUUIDFromBytes(
        ("import:" + tenantId + ":" + importId).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Checks the upload by its format ({@code format} null or blank: read from its first bytes) and,
   * when nothing is wrong, stores it encrypted and records the import. A refused file is not stored
   * and no row is written.
   *
   * @throws IllegalArgumentException when {@code format} is not one of custom, plain, archive, csv
   * @throws TooLargeToCheck when a format checked whole is over {@link #CHECKED_WHOLE_MAX}
   * @throws IOException when the upload cannot be read or the store not written (nothing is kept)
   */
  public Staged stage(
      UUID tenantId,
      String importId,
      String workflowId,
      String actor,
      String fileName,
      String format,
      Upload upload)
      throws IOException {
    String kind = format == null || format.isBlank() ? null : format.strip();
    if (kind != null && !ImportInputs.FILE_FORMATS.contains(kind)) {
      throw new IllegalArgumentException("format must be one of custom, plain, archive, csv");
    }
    byte[] head;
    try (InputStream in = upload.open()) {
      head = in.readNBytes(HEAD);
    }
    if (kind == null && CustomDump.isCustom(head)) {
      kind = "custom";
    }
    if ("custom".equals(kind)) {
      List<ImportProblem> report = ImportInputs.check(kind, fileName, head);
      if (!report.isEmpty()) {
        return new Staged(kind, report);
      }
      try (InputStream in = upload.open()) {
        store(tenantId, importId, workflowId, actor, fileName, kind, in);
      }
      return new Staged(kind, List.of());
    }
    if (upload.size() > CHECKED_WHOLE_MAX) {
      throw new TooLargeToCheck(kind, upload.size());
    }
    byte[] content;
    try (InputStream in = upload.open()) {
      content = in.readNBytes((int) CHECKED_WHOLE_MAX + 1);
    }
    if (content.length > CHECKED_WHOLE_MAX) {
      throw new TooLargeToCheck(kind, content.length);
    }
    if (kind == null) {
      kind = ImportInputs.detect(content);
    }
    List<ImportProblem> report = ImportInputs.check(kind, fileName, content);
    if (!report.isEmpty()) {
      return new Staged(kind, report);
    }
    store(tenantId, importId, workflowId, actor, fileName, kind, new ByteArrayInputStream(content));
    return new Staged(kind, List.of());
  }

  private void store(
      UUID tenantId,
      String importId,
      String workflowId,
      String actor,
      String fileName,
      String format,
      InputStream plain)
      throws IOException {
    String key = objectKey(tenantId, importId);
    UUID binding = binding(tenantId, importId);
    byte[] dataKey = BackupCipher.newDataKey();
    Counting counted = new Counting(plain);
    store.put(key, BackupCipher.encrypting(counted, dataKey, binding));
    try {
      imports.stageStored(
          tenantId,
          importId,
          format,
          workflowId,
          actor,
          fileName,
          counted.bytes,
          key,
          BackupCipher.wrap(cipher, binding, dataKey));
    } catch (RuntimeException e) {
      deleteQuietly(key, e);
      throw e;
    }
  }

  /** Deletes an import's stored file and forgets its row's secrets (an import that never ran). */
  public void discard(UUID tenantId, String importId) throws IOException {
    store.delete(objectKey(tenantId, importId));
    imports.discard(tenantId, importId);
  }

  private void deleteQuietly(String key, RuntimeException cause) {
    try {
      store.delete(key);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  /** Counts the bytes read through it. */
  private static final class Counting extends FilterInputStream {
    long bytes;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        bytes++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        bytes += n;
      }
      return n;
    }
  }
}
