package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.taskifai.activities.backup.BackupCipher;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.database.ImportStaging;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.TenantImports;
import com.taskifai.registry.crypto.CredentialCipher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An upload larger than this JVM's whole heap is staged: streamed by the servlet container to a
 * temporary file and from there, encrypted, into the backup store, byte for byte. Were it read into
 * one array anywhere on the way, the API would run out of memory and not answer 202. Run with a
 * small heap by its own surefire execution ({@code -Xmx256m}, see api/pom.xml); skipped in a JVM
 * whose heap a test upload cannot exceed. The servlet container's temporary files (in a folder of
 * this test's own) are gone after the upload, after a refused one and after one the client broke
 * off.
 */
@EnabledIf("inASmallHeapAndAsked")
class ImportLargeUploadTest extends ApiTestBase {
  private static final Path SPOOL = spoolFolder();

  @Autowired private BackupStore store;
  @Autowired private TenantImports imports;
  @Autowired private CredentialCipher cipher;

  @DynamicPropertySource
  static void spool(DynamicPropertyRegistry props) {
    props.add("spring.servlet.multipart.location", SPOOL::toString);
  }

  /**
   * On in a JVM whose heap a test upload can exceed (the small-heap execution), unless a {@code
   * -Dtest} that does not name this class was given (it runs other classes).
   */
  static boolean inASmallHeapAndAsked() {
    String asked = System.getProperty("taskifai.requested-tests", "");
    boolean named =
        asked.isBlank() || asked.startsWith("${") || asked.contains("ImportLargeUploadTest");
    return Runtime.getRuntime().maxMemory() <= SMALL_HEAP && named;
  }

  private static final long SMALL_HEAP = 768L << 20;

  @Test
  void anUploadLargerThanTheHeapIsStreamedEncryptedIntoTheStoreAndItsTemporaryFilesRemoved()
      throws Exception {
    long heap = Runtime.getRuntime().maxMemory();
    assertThat(heap).isLessThanOrEqualTo(SMALL_HEAP);
    long size = heap + (48L << 20);
    String token = freshToken();
    String id = tenant(token);
    String path = "/admin/tenants/" + id + "/imports";

    Generated dump = new Generated(size);
    HttpResponse<String> answer = postStreamed(path, token, "big.pgc", dump, size);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    assertThat(dump.emitted).isEqualTo(size);
    String importId = importId(answer.body());
    TenantImports.Import row = imports.find(UUID.fromString(id), importId).orElseThrow();
    assertThat(row.format()).isEqualTo("custom");
    assertThat(row.sizeBytes()).isEqualTo(size);
    assertThat(row.uploadStaged()).isFalse();
    assertThat(row.objectKey()).isEqualTo(ImportStaging.objectKey(UUID.fromString(id), importId));
    // The stored object opens (streamed) to exactly the bytes sent.
    UUID binding = ImportStaging.binding(UUID.fromString(id), importId);
    MessageDigest stored = MessageDigest.getInstance("SHA-256");
    long storedBytes = 0;
    try (InputStream in =
        BackupCipher.decrypting(
            store.get(row.objectKey()),
            BackupCipher.unwrap(cipher, binding, row.dataKey()),
            binding)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) >= 0; ) {
        stored.update(buf, 0, n);
        storedBytes += n;
      }
    }
    assertThat(storedBytes).isEqualTo(size);
    assertThat(HexFormat.of().formatHex(stored.digest())).isEqualTo(dump.sha256());
    await().atMost(Duration.ofSeconds(10)).until(() -> spooled().isEmpty());
    platform().client.newUntypedWorkflowStub(startedWorkflow(answer.body())).terminate("test done");
    store.delete(row.objectKey());
  }

  @Test
  void theTemporaryFilesOfARefusedUploadAndOfOneTheClientBrokeOffAreRemoved() throws Exception {
    String token = freshToken();
    String id = tenant(token);
    String path = "/admin/tenants/" + id + "/imports";

    // Refused by its checks (a shell command in a plain dump): 422, nothing staged, no spool left.
    var refused =
        http.postFile(path, "file", "dump.sql", "SELECT 1;\n\\! touch /tmp/x\n".getBytes(), token);
    assertThat(refused.status()).isEqualTo(422);
    await().atMost(Duration.ofSeconds(10)).until(() -> spooled().isEmpty());

    // The client promises 64 MiB, sends 8 MiB of the file and hangs up: the part already spooled
    // is deleted, nothing is staged.
    String boundary = "b" + UUID.randomUUID().toString().replace("-", "");
    byte[] head = partHead(boundary, "cut.pgc");
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + token
                  + "\r\nContent-Type: multipart/form-data; boundary="
                  + boundary
                  + "\r\nContent-Length: "
                  + (64L << 20)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(head);
      new Generated(8L << 20).transferTo(out);
      out.flush();
      // Wait until the container has spooled some of it, then break off.
      await().atMost(Duration.ofSeconds(20)).until(() -> !spooled().isEmpty());
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> spooled().isEmpty());
    assertThat(
            JdbcClient.create(platform().db.owner())
                .sql("SELECT count(*) FROM tenant_imports WHERE tenant_id = :t::uuid")
                .param("t", id)
                .query(Integer.class)
                .single())
        .isZero();
  }

  /** An ACTIVE tenant whose database is named (the test platform's doubles provision it). */
  private String tenant(String token) {
    String id =
        activeTenant(
            "Big", "big-" + UUID.randomUUID().toString().substring(0, 8), "b@big.com", token);
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET database_name = 'tenant_x' WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();
    return id;
  }

  /** A multipart POST of one file part streamed from {@code content} (never in one array). */
  private HttpResponse<String> postStreamed(
      String path, String token, String fileName, InputStream content, long size)
      throws IOException, InterruptedException {
    String boundary = "b" + UUID.randomUUID().toString().replace("-", "");
    byte[] head = partHead(boundary, fileName);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .timeout(Duration.ofMinutes(10))
            .POST(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new SequenceInputStream(
                                new SequenceInputStream(
                                    new java.io.ByteArrayInputStream(head), content),
                                new java.io.ByteArrayInputStream(tail))),
                    head.length + size + tail.length))
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] partHead(String boundary, String fileName) {
    return ("--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + fileName
            + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static String importId(String body) {
    return field(body, "import_id");
  }

  private static String startedWorkflow(String body) {
    return field(body, "workflow_id");
  }

  private static String field(String body, String name) {
    return tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(body)
        .get(name)
        .asString();
  }

  /** The files in the servlet container's spool folder. */
  private static List<Path> spooled() {
    try (Stream<Path> files = Files.list(SPOOL)) {
      return files.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path spoolFolder() {
    try {
      return Files.createTempDirectory("taskifai-import-spool");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code size} bytes of a pretend custom dump: the magic {@code PGDMP}, then a pattern that
   * changes every mebibyte (the first is unchanged), generated as read, its SHA-256 taken on the
   * way.
   */
  private static final class Generated extends InputStream {
    private final long size;
    private final MessageDigest digest;
    private final byte[] block = new byte[1 << 20];
    long emitted;

    Generated(long size) {
      this.size = size;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      new java.util.Random(29).nextBytes(block);
      System.arraycopy("PGDMP".getBytes(StandardCharsets.US_ASCII), 0, block, 0, 5);
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (emitted >= size) {
        return -1;
      }
      int at = (int) (emitted % block.length);
      int n = (int) Math.min(Math.min(len, block.length - at), size - emitted);
      byte salt = (byte) (emitted / block.length);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) (block[at + i] ^ salt);
      }
      digest.update(b, off, n);
      emitted += n;
      return n;
    }

    String sha256() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }
}
