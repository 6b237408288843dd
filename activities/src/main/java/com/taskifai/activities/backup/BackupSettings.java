package com.taskifai.activities.backup;

import com.taskifai.registry.settings.PlatformSettings;
import com.taskifai.registry.settings.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
    return from(Settings.of(env));
  }

  /** The backup settings {@code settings} bind ({@link BackupProperties}, {@code pg-bin}). */
  public static BackupSettings from(Settings settings) {
    return from(
        settings.bind(BackupProperties.class), settings.bind(PlatformSettings.class).pgBin());
  }

  /** The backup settings of bound properties and the {@code pg-bin} folder (empty for PATH). */
  public static BackupSettings from(BackupProperties p, String bin) {
    String store = p.store().strip().toLowerCase(Locale.ROOT);
    if (!store.equals("folder") && !store.equals("s3")) {
      throw new IllegalArgumentException("TASKIFAI_BACKUP_STORE must be folder or s3");
    }
    if (p.finalRetention() != null && p.finalRetention().isNegative()) {
      throw new IllegalArgumentException(
          "TASKIFAI_BACKUP_FINAL_RETENTION must be an ISO-8601 duration such as P30D or a number"
              + " of days");
    }
    Duration retention = Duration.ofDays(p.retentionDays());
    return new BackupSettings(
        store,
        Path.of(p.dir()),
        p.s3().endpoint(),
        p.s3().region(),
        p.s3().bucket(),
        p.s3().prefix(),
        p.s3().pathStyle(),
        p.s3().partBytes(),
        bin == null || bin.isBlank() ? null : Path.of(bin),
        retention,
        p.keepNewest(),
        p.finalRetention() == null ? retention : p.finalRetention());
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
