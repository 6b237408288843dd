package com.taskifai.activities.backup;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Backup settings, read from the environment with the embedded platform's defaults.
 *
 * @param store {@code folder} (default) or {@code s3}
 * @param folder the folder store's root ({@code TASKIFAI_BACKUP_DIR}, default {@code
 *     .taskifai/backups})
 * @param s3Endpoint endpoint of an S3-compatible store; null for AWS
 * @param s3Region region of the bucket
 * @param s3Bucket the bucket
 * @param s3Prefix prefix of every object key
 * @param s3PathStyle path-style addressing (most self-hosted stores need it)
 * @param s3PartSize multipart part size in bytes (at least 5 MiB)
 * @param pgBin folder of pg_dump and pg_restore; null to search PATH
 * @param retention how long backups are kept
 * @param keepNewest how many of a tenant's newest good backups retention always keeps
 * @param finalRetention how long the final backup offboarding takes is kept after the tenant is
 *     deleted ({@code TASKIFAI_BACKUP_FINAL_RETENTION}, an ISO-8601 duration such as {@code P30D}
 *     or a number of days; default the retention)
 */
public record BackupSettings(
    String store,
    Path folder,
    URI s3Endpoint,
    String s3Region,
    String s3Bucket,
    String s3Prefix,
    boolean s3PathStyle,
    int s3PartSize,
    Path pgBin,
    Duration retention,
    int keepNewest,
    Duration finalRetention) {

  /** Settings whose final backups are kept as long as the others. */
  public BackupSettings(
      String store,
      Path folder,
      URI s3Endpoint,
      String s3Region,
      String s3Bucket,
      String s3Prefix,
      boolean s3PathStyle,
      int s3PartSize,
      Path pgBin,
      Duration retention,
      int keepNewest) {
    this(
        store,
        folder,
        s3Endpoint,
        s3Region,
        s3Bucket,
        s3Prefix,
        s3PathStyle,
        s3PartSize,
        pgBin,
        retention,
        keepNewest,
        retention);
  }

  public static BackupSettings defaults() {
    return fromEnvironment(Map.of());
  }

  public static BackupSettings fromEnvironment(Map<String, String> env) {
    String store = env.getOrDefault("TASKIFAI_BACKUP_STORE", "folder").strip().toLowerCase();
    if (!store.equals("folder") && !store.equals("s3")) {
      throw new IllegalArgumentException("TASKIFAI_BACKUP_STORE must be folder or s3");
    }
    String endpoint = env.get("TASKIFAI_BACKUP_S3_ENDPOINT");
    String bin = env.get("TASKIFAI_PG_BIN");
    Duration retention =
        Duration.ofDays(Long.parseLong(env.getOrDefault("TASKIFAI_BACKUP_RETENTION_DAYS", "30")));
    return new BackupSettings(
        store,
        Path.of(env.getOrDefault("TASKIFAI_BACKUP_DIR", ".taskifai/backups")),
        endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint),
        env.getOrDefault("TASKIFAI_BACKUP_S3_REGION", "us-east-1"),
        env.get("TASKIFAI_BACKUP_S3_BUCKET"),
        env.getOrDefault("TASKIFAI_BACKUP_S3_PREFIX", "tenant-backups/"),
        Boolean.parseBoolean(env.getOrDefault("TASKIFAI_BACKUP_S3_PATH_STYLE", "false")),
        Integer.parseInt(
            env.getOrDefault("TASKIFAI_BACKUP_S3_PART_BYTES", Integer.toString(8 << 20))),
        bin == null || bin.isBlank() ? null : Path.of(bin),
        retention,
        Integer.parseInt(env.getOrDefault("TASKIFAI_BACKUP_KEEP_NEWEST", "3")),
        finalRetention(env.get("TASKIFAI_BACKUP_FINAL_RETENTION"), retention));
  }

  private static Duration finalRetention(String value, Duration fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    String v = value.strip();
    try {
      Duration d =
          v.chars().allMatch(Character::isDigit)
              ? Duration.ofDays(Long.parseLong(v))
              : Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
      if (d.isNegative()) {
        throw new IllegalArgumentException("negative");
      }
      return d;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "TASKIFAI_BACKUP_FINAL_RETENTION must be an ISO-8601 duration such as P30D or a number"
              + " of days");
    }
  }

  /** The store these settings name; S3 credentials come from the SDK's default chain. */
  public BackupStore openStore() {
    if (store.equals("s3")) {
      return new S3BackupStore(
          S3BackupStore.client(s3Endpoint, s3Region, s3PathStyle, null, null),
          s3Bucket,
          s3Prefix,
          s3PartSize);
    }
    return new FolderBackupStore(folder);
  }
}
