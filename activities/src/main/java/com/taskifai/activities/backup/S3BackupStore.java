package com.taskifai.activities.backup;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Backups in any S3-compatible object store through the AWS SDK v2 S3 client, by multipart upload
 * in parts of {@link #partSize} bytes (one part in memory at a time). The SDK retries each request;
 * an upload that fails for good is aborted, so no partial object is ever visible. Object keys are
 * {@code <prefix><key>}.
 */
public final class S3BackupStore implements BackupStore, AutoCloseable {
  /** S3's smallest part size (except the last part). */
  public static final int MIN_PART = 5 * 1024 * 1024;

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final int partSize;

  public S3BackupStore(S3Client s3, String bucket, String prefix, int partSize) {
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("TASKIFAI_BACKUP_S3_BUCKET must be set for the s3 store");
    }
    if (partSize < MIN_PART) {
      throw new IllegalArgumentException("the S3 part size must be at least 5 MiB");
    }
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix == null ? "" : prefix;
    this.partSize = partSize;
  }

  /**
   * A client for an endpoint (null for AWS), region, and path-style addressing (most self-hosted
   * stores need it). Static credentials when given, else the SDK's default chain.
   */
  public static S3Client client(
      URI endpoint, String region, boolean pathStyle, String accessKey, String secretKey) {
    var builder =
        S3Client.builder()
            .region(Region.of(region == null || region.isBlank() ? "us-east-1" : region))
            .forcePathStyle(pathStyle)
            .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder());
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    if (accessKey != null && !accessKey.isBlank()) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
    } else {
      builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    return builder.build();
  }

  @Override
  public String kind() {
    return "s3";
  }

  @Override
  public long put(String key, InputStream content) throws IOException {
    String objectKey = prefix + key;
    String uploadId;
    try {
      uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId();
    } catch (SdkException e) {
      throw new IOException("S3 upload of " + objectKey + " could not start: " + e.getMessage(), e);
    }
    List<CompletedPart> parts = new ArrayList<>();
    long total = 0;
    try {
      byte[] buf = new byte[partSize];
      int partNumber = 1;
      while (true) {
        int n = 0;
        while (n < buf.length) {
          int r = content.read(buf, n, buf.length - n);
          if (r < 0) {
            break;
          }
          n += r;
        }
        if (n == 0 && partNumber > 1) {
          break;
        }
        int number = partNumber++;
        String etag =
            s3.uploadPart(
                    b -> b.bucket(bucket).key(objectKey).uploadId(uploadId).partNumber(number),
                    RequestBody.fromBytes(n == buf.length ? buf : java.util.Arrays.copyOf(buf, n)))
                .eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        total += n;
        if (n < buf.length) {
          break;
        }
      }
      s3.completeMultipartUpload(
          b ->
              b.bucket(bucket)
                  .key(objectKey)
                  .uploadId(uploadId)
                  .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
      return total;
    } catch (IOException | RuntimeException e) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
      } catch (SdkException ignored) {
        // The store's lifecycle rule for incomplete uploads cleans up what this could not.
      }
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("S3 upload of " + objectKey + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream get(String key) throws IOException {
    try {
      return s3.getObject(b -> b.bucket(bucket).key(prefix + key));
    } catch (NoSuchKeyException e) {
      throw new java.nio.file.NoSuchFileException(prefix + key);
    } catch (SdkException e) {
      throw new IOException("S3 read of " + prefix + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(prefix + key));
    } catch (SdkException e) {
      throw new IOException("S3 delete of " + prefix + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    try {
      s3.headObject(b -> b.bucket(bucket).key(prefix + key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw new IOException("S3 lookup of " + prefix + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return "s3 bucket " + bucket + " prefix " + prefix;
  }
}
