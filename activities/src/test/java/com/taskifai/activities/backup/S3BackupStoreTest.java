package com.taskifai.activities.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 store against S3Mock (a real S3-compatible server, run as a separate process) behind a
 * proxy that can cut connections mid-upload.
 */
class S3BackupStoreTest {
  private static S3MockServer s3;
  private static S3MockServer.FlakyProxy proxy;
  private static S3Client client;
  private static S3BackupStore store;

  @BeforeAll
  static void start() throws Exception {
    s3 = new S3MockServer("tenant-backups");
    proxy = new S3MockServer.FlakyProxy(s3.port);
    client =
        S3BackupStore.client(
            URI.create("http://127.0.0.1:" + proxy.port), "eu-central-1", true, "key", "secret");
    store = new S3BackupStore(client, s3.bucket, "test/", S3BackupStore.MIN_PART);
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void storesReadsAndDeletesAMultipartObject() throws IOException {
    byte[] data = random(2 * S3BackupStore.MIN_PART + 1234, 1);
    assertThat(store.put("t1/b1.tkb", new ByteArrayInputStream(data))).isEqualTo(data.length);
    assertThat(store.exists("t1/b1.tkb")).isTrue();
    try (InputStream in = store.get("t1/b1.tkb")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    // Three parts: S3's multipart ETag ends in -<parts>.
    assertThat(client.headObject(b -> b.bucket(s3.bucket).key("test/t1/b1.tkb")).eTag())
        .contains("-3");
    store.delete("t1/b1.tkb");
    store.delete("t1/b1.tkb");
    assertThat(store.exists("t1/b1.tkb")).isFalse();
    assertThatThrownBy(() -> store.get("t1/b1.tkb")).isInstanceOf(IOException.class);
  }

  @Test
  void aConnectionCutMidUploadIsRetriedAndTheObjectIsComplete() throws IOException {
    byte[] data = random(2 * S3BackupStore.MIN_PART + 99, 2);
    proxy.cutAfterBytes = 3L * 1024 * 1024; // inside the first or second part's body
    proxy.cuts = 1;
    int before = proxy.cutsDone.get();
    try {
      store.put("t2/b2.tkb", new ByteArrayInputStream(data));
    } finally {
      proxy.cuts = 0;
    }
    assertThat(proxy.cutsDone.get()).isEqualTo(before + 1);
    try (InputStream in = store.get("t2/b2.tkb")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void anUploadThatKeepsFailingLeavesNoObjectAndNoOpenUpload() throws IOException {
    byte[] data = random(2 * S3BackupStore.MIN_PART, 3);
    proxy.cutAfterBytes = 3L * 1024 * 1024; // every request carrying a part dies
    proxy.cuts = -1;
    try {
      assertThatThrownBy(() -> store.put("t3/b3.tkb", new ByteArrayInputStream(data)))
          .isInstanceOf(IOException.class);
    } finally {
      proxy.cuts = 0;
    }
    assertThat(store.exists("t3/b3.tkb")).isFalse();
    assertThat(client.listMultipartUploads(b -> b.bucket(s3.bucket).prefix("test/t3/")).uploads())
        .isEmpty();
  }
}
