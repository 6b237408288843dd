package com.taskifai.activities.backup;

import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * Where backups go and how long they are kept ({@link BackupSettings} is what the code uses).
 *
 * @param store {@code folder} or {@code s3}
 * @param dir the folder store's root
 * @param retentionDays how many days backups are kept
 * @param keepNewest how many of a tenant's newest good backups retention always keeps
 * @param finalRetention how long the final backup of a deleted tenant is kept (an ISO-8601 duration
 *     or a number of days; empty for the retention)
 * @param s3 the S3 store
 */
@ConfigurationProperties("taskifai.backup")
public record BackupProperties(
    @DefaultValue("folder") String store,
    @DefaultValue(".taskifai/backups") String dir,
    @DefaultValue("30") int retentionDays,
    @DefaultValue("3") int keepNewest,
    @DurationUnit(ChronoUnit.DAYS) Duration finalRetention,
    @DefaultValue S3 s3) {

  /**
   * The S3 store.
   *
   * @param endpoint endpoint of an S3-compatible store; empty for AWS
   * @param region region of the bucket
   * @param bucket the bucket
   * @param prefix prefix of every object key
   * @param pathStyle path-style addressing (most self-hosted stores need it)
   * @param partBytes multipart part size in bytes (at least 5 MiB)
   */
  public record S3(
      URI endpoint,
      @DefaultValue("us-east-1") String region,
      String bucket,
      @DefaultValue("tenant-backups/") String prefix,
      @DefaultValue("false") boolean pathStyle,
      @DefaultValue("8388608") int partBytes) {}
}
