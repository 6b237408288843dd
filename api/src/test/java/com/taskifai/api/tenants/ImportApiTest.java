package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.database.ImportStaging;
import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.TenantImports;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The imports API: a bad or hostile file is refused with its report before anything is staged,
 * malformed requests get a 4xx that says what to do, and a good upload or live source is staged
 * encrypted and starts the import with its id only (no password in the workflow's history).
 */
class ImportApiTest extends ApiTestBase {
  private String token;
  @Autowired private BackupStore store;
  @Autowired private TenantImports imports;

  @BeforeEach
  void login() {
    token = freshToken();
  }

  /** An ACTIVE tenant (provisioned by the test platform's doubles, so its database is named). */
  private String tenant() {
    String id =
        activeTenant(
            "Acme", "im-" + UUID.randomUUID().toString().substring(0, 8), "i@acme.com", token);
    JdbcClient.create(platform().db.owner())
        .sql("UPDATE tenants SET database_name = 'tenant_x' WHERE tenant_id = :id::uuid")
        .param("id", id)
        .update();
    return id;
  }

  private int staged(String tenantId) {
    return JdbcClient.create(platform().db.owner())
        .sql("SELECT count(*) FROM tenant_imports WHERE tenant_id = :t::uuid")
        .param("t", tenantId)
        .query(Integer.class)
        .single();
  }

  @Test
  void aHostileOrUnreadableFileIsRefusedWith422NamingTheLineAndNothingIsStaged() {
    String id = tenant();
    String path = "/admin/tenants/" + id + "/imports";
    byte[] hostile =
        ("SELECT 1;\n\\! touch /tmp/pwned\nCREATE ROLE evil SUPERUSER;\n")
            .getBytes(StandardCharsets.UTF_8);

    Answer refused = http.postFile(path, "file", "dump.sql", hostile, token);

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.text("error")).isEqualTo("import_refused");
    var report = refused.json().get("report");
    assertThat(report.size()).isEqualTo(2);
    assertThat(report.get(0).get("file").asString()).isEqualTo("dump.sql");
    assertThat(report.get(0).get("line").asInt()).isEqualTo(2);
    assertThat(report.get(1).get("line").asInt()).isEqualTo(3);
    // A CSV bundle with a bad row, and an archive whose manifest is wrong: refused the same way.
    Answer csv =
        http.postFile(
            path, "file", "b.zip", zip("products.csv", "sku,name\np-1,one\n\"p-2,two\n"), token);
    assertThat(csv.status()).isEqualTo(422);
    assertThat(csv.json().get("report").get(0).get("file").asString()).isEqualTo("products.csv");
    assertThat(csv.json().get("report").get(0).get("line").asInt()).isEqualTo(3);
    assertThat(
            http.postFile(
                    path, "file", "x.zip", zip("manifest.json", "{}"), token, "format", "archive")
                .status())
        .isEqualTo(422);
    assertThat(staged(id)).isZero();
  }

  @Test
  void malformedRequestsGetA4xxThatSaysWhatToDo() {
    String id = tenant();
    String path = "/admin/tenants/" + id + "/imports";

    assertThat(
            http.post(
                    "/admin/tenants/" + UUID.randomUUID() + "/imports",
                    "{\"source_url\":" + " \"postgresql://u:p@h/d\"}",
                    token)
                .status())
        .isEqualTo(404);
    Answer noSource = http.post(path, "{}", token);
    assertThat(noSource.status()).isEqualTo(400);
    assertThat(noSource.text("message")).contains("source_url");
    assertThat(http.post(path, AdminHttp.json("source_url", "mysql://u:p@h/d"), token).status())
        .isEqualTo(400);
    assertThat(http.post(path, AdminHttp.json("source_url", "postgresql://h"), token).status())
        .isEqualTo(400);
    assertThat(
            http.postFile(path, "file", "d.sql", "SELECT 1;".getBytes(), token, "format", "xml")
                .status())
        .isEqualTo(400);
    assertThat(http.postFile(path, "file", "d.sql", new byte[0], token).status()).isEqualTo(400);
    assertThat(
            http.postFile(path, "file", "d.sql", "SELECT 1;".getBytes(), staleMfaToken()).status())
        .isEqualTo(403);
    assertThat(http.get(path + "/nosuch", token).status()).isEqualTo(404);
    assertThat(http.get(path + "/Bad-Id!", token).status()).isEqualTo(404);
    assertThat(staged(id)).isZero();
  }

  @Test
  void aGoodUploadAndALiveSourceAreStagedEncryptedAndStartTheImportWithItsIdOnly()
      throws java.io.IOException {
    String id = tenant();
    String path = "/admin/tenants/" + id + "/imports";
    String password = "pw-" + UUID.randomUUID();

    Answer file =
        http.postFile(path, "file", "dump.sql", "SELECT 'plaintext-marker';\n".getBytes(), token);
    Answer live =
        http.post(
            path,
            AdminHttp.json("source_url", "postgresql://reader:" + password + "@db.example/shop"),
            token);

    assertThat(file.status()).isEqualTo(202);
    String importId = file.text("import_id");
    assertThat(file.text("workflow_id")).isEqualTo("tenant-import-" + id + "-" + importId);
    assertThat(file.text("status_url")).isEqualTo(path + "/" + importId);
    assertThat(live.status()).isEqualTo(202);
    String rows =
        JdbcClient.create(platform().db.owner())
            .sql(
                "SELECT string_agg(coalesce(staged, '') || coalesce(source_url, ''), ' ')"
                    + " FROM tenant_imports WHERE tenant_id = :t::uuid")
            .param("t", id)
            .query(String.class)
            .single();
    assertThat(rows).doesNotContain("plaintext-marker").doesNotContain(password);
    // The file rests in the backup store alone, encrypted: the registry row names it.
    TenantImports.Import row = imports.find(UUID.fromString(id), importId).orElseThrow();
    assertThat(row.uploadStaged()).isFalse();
    assertThat(row.format()).isEqualTo("plain");
    assertThat(row.objectKey()).isEqualTo(ImportStaging.objectKey(UUID.fromString(id), importId));
    try (var in = store.get(row.objectKey())) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1))
          .doesNotContain("plaintext-marker");
    }
    for (Answer a : new Answer[] {file, live}) {
      // Protobuf text: the payloads' bytes (the workflow's input) appear as text, not base64.
      String history =
          platform().client.fetchHistory(a.text("workflow_id")).getHistory().toString();
      assertThat(history).contains(a.text("import_id")).doesNotContain(password);
      platform().client.newUntypedWorkflowStub(a.text("workflow_id")).terminate("test done");
    }
    assertThat(http.get("/admin/tenants/" + id + "/audit", token).body())
        .contains("tenant.import")
        .contains(importId)
        .doesNotContain(password);
  }

  private static byte[] zip(String name, String content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      z.putNextEntry(new ZipEntry(name));
      z.write(content.getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
