package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The rows of {@code tenant_imports}: what the API stages for an import, sealed with the key ring
 * and bound to the tenant and import, so the workflow carries only the import id. An upload is
 * stored encrypted in the backup store by the API ({@link #stageStored}: the row names the object
 * and holds its wrapped data key); a live source's connection string waits here until {@code
 * discard_input}. {@link #stageUpload} (the file sealed into the row, moved into the store by
 * {@code stage_input}) is how uploads were staged before, kept for imports staged that way.
 */
public final class TenantImports {
  private final JdbcClient jdbc;
  private final CredentialCipher cipher;

  public TenantImports(DataSource platform, CredentialCipher cipher) {
    this.jdbc = JdbcClient.create(platform);
    this.cipher = cipher;
  }

  /** One import as staged. Holds no plaintext: {@link #upload} and {@link #sourceUrl} open it. */
  public record Import(
      UUID tenantId,
      String importId,
      String format,
      String workflowId,
      String fileName,
      Long sizeBytes,
      boolean uploadStaged,
      boolean sourceStaged,
      String objectKey,
      String dataKey,
      boolean discarded) {}

  static String context(UUID tenantId, String importId, String field) {
    return CredentialCipher.tenantContext(tenantId, "import_" + importId + "_" + field);
  }

  /** Stages an uploaded file (sealed). A second call with the same ids replaces nothing. */
  public void stageUpload(
      UUID tenantId,
      String importId,
      String format,
      String workflowId,
      String actor,
      String fileName,
      byte[] content) {
    String sealed =
        cipher.encrypt(
            Base64.getEncoder().encodeToString(content), context(tenantId, importId, "upload"));
    insert(tenantId, importId, format, workflowId, actor, fileName, (long) content.length)
        .param("staged", sealed)
        .param("source", (String) null)
        .update();
  }

  /**
   * Records an upload already stored encrypted in the backup store under {@code objectKey} (its
   * data key wrapped by the key ring): the row holds no copy of the file. A second call with the
   * same ids replaces nothing.
   */
  public void stageStored(
      UUID tenantId,
      String importId,
      String format,
      String workflowId,
      String actor,
      String fileName,
      long sizeBytes,
      String objectKey,
      String wrappedDataKey) {
    jdbc.sql(
            "INSERT INTO tenant_imports (tenant_id, import_id, format, workflow_id, actor,"
                + " file_name, size_bytes, object_key, data_key) VALUES (:t, :i, :f, :w, :a, :n,"
                + " :s, :k, :d) ON CONFLICT (tenant_id, import_id) DO NOTHING")
        .param("t", tenantId)
        .param("i", importId)
        .param("f", format)
        .param("w", workflowId)
        .param("a", actor)
        .param("n", fileName)
        .param("s", sizeBytes)
        .param("k", objectKey)
        .param("d", wrappedDataKey)
        .update();
  }

  /** Stages a live source's connection string (sealed). */
  public void stageSource(
      UUID tenantId, String importId, String workflowId, String actor, String sourceUrl) {
    String sealed = cipher.encrypt(sourceUrl, context(tenantId, importId, "source"));
    insert(tenantId, importId, "live", workflowId, actor, null, null)
        .param("staged", (String) null)
        .param("source", sealed)
        .update();
  }

  private JdbcClient.StatementSpec insert(
      UUID tenantId,
      String importId,
      String format,
      String workflowId,
      String actor,
      String fileName,
      Long size) {
    return jdbc.sql(
            "INSERT INTO tenant_imports (tenant_id, import_id, format, workflow_id, actor,"
                + " file_name, size_bytes, staged, source_url) VALUES (:t, :i, :f, :w, :a, :n,"
                + " :s, :staged, :source) ON CONFLICT (tenant_id, import_id) DO NOTHING")
        .param("t", tenantId)
        .param("i", importId)
        .param("f", format)
        .param("w", workflowId)
        .param("a", actor)
        .param("n", fileName)
        .param("s", size);
  }

  /** The import, if staged. */
  public Optional<Import> find(UUID tenantId, String importId) {
    return jdbc.sql(
            "SELECT tenant_id, import_id, format, workflow_id, file_name, size_bytes,"
                + " staged IS NOT NULL, source_url IS NOT NULL, object_key, data_key,"
                + " discarded_at IS NOT NULL FROM tenant_imports WHERE tenant_id = :t AND"
                + " import_id = :i")
        .param("t", tenantId)
        .param("i", importId)
        .query(
            (rs, n) ->
                new Import(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    (Long) rs.getObject(6),
                    rs.getBoolean(7),
                    rs.getBoolean(8),
                    rs.getString(9),
                    rs.getString(10),
                    rs.getBoolean(11)))
        .optional();
  }

  /** The uploaded file, opened; empty once moved into the store. */
  public Optional<byte[]> upload(UUID tenantId, String importId) {
    return jdbc.sql(
            "SELECT staged FROM tenant_imports WHERE tenant_id = :t AND import_id = :i"
                + " AND staged IS NOT NULL")
        .param("t", tenantId)
        .param("i", importId)
        .query(String.class)
        .optional()
        .map(
            s ->
                Base64.getDecoder()
                    .decode(cipher.decrypt(s, context(tenantId, importId, "upload"))));
  }

  /** A live source's connection string, opened; empty once discarded. */
  public Optional<String> sourceUrl(UUID tenantId, String importId) {
    return jdbc.sql(
            "SELECT source_url FROM tenant_imports WHERE tenant_id = :t AND import_id = :i"
                + " AND source_url IS NOT NULL")
        .param("t", tenantId)
        .param("i", importId)
        .query(String.class)
        .optional()
        .map(s -> cipher.decrypt(s, context(tenantId, importId, "source")));
  }

  /** Records where the upload is stored (and its wrapped data key) and forgets the staged copy. */
  public void stored(UUID tenantId, String importId, String objectKey, String wrappedDataKey) {
    jdbc.sql(
            "UPDATE tenant_imports SET object_key = :k, data_key = :d, staged = NULL"
                + " WHERE tenant_id = :t AND import_id = :i")
        .param("k", objectKey)
        .param("d", wrappedDataKey)
        .param("t", tenantId)
        .param("i", importId)
        .update();
  }

  /** Forgets everything staged for the import (the caller deletes the stored object first). */
  public void discard(UUID tenantId, String importId) {
    jdbc.sql(
            "UPDATE tenant_imports SET staged = NULL, source_url = NULL, data_key = NULL,"
                + " discarded_at = coalesce(discarded_at, now())"
                + " WHERE tenant_id = :t AND import_id = :i")
        .param("t", tenantId)
        .param("i", importId)
        .update();
  }
}
