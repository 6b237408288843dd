package com.taskifai.activities.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.activities.database.ImportExportFixture.Imported;
import com.taskifai.registry.testing.TestPostgres;
import com.taskifai.workflows.ports.ImportActivities.ImportInput;
import com.taskifai.workflows.ports.StepInput;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A tenant's data out and back in, on the embedded PostgreSQL with the real pg_dump and pg_restore:
 * an export archive imported into a new tenant holds every table's rows (same count, same
 * checksum), and an import from a live database that is being written is one snapshot of it and
 * leaves the source as it was.
 */
class ImportRoundTripTest {
  private static final ImportExportFixture f = ImportExportFixture.shared();

  @Test
  void anExportImportedIntoANewTenantHoldsEveryTablesRowsWithTheSameChecksums() {
    StepInput source = f.provision(true);
    fillEveryTable(f.current(source.tenantId()));
    Map<String, String> exported = checksums(f.current(source.tenantId()));
    // Every tenant table holds rows (currency_codes by its migration), flyway's history aside.
    assertThat(exported.keySet())
        .contains(
            "users",
            "products",
            "vendor_configs",
            "upload_batches",
            "sellout_entries2",
            "ecommerce_orders",
            "conversation_history",
            "currency_codes");
    exported.forEach((table, sum) -> assertThat(sum).as(table).doesNotStartWith("0 "));

    byte[] archive = f.exportArchive(source);
    StepInput target = f.provision(true);
    Imported done = f.importInto(target, "archive", archive);
    assertThat(done.report()).isEmpty();
    f.fx.activities.backups().swapDatabase(done.swap(), done.target());
    f.fx.activities.backups().releaseOperation(target.tenantId(), done.input().operationId());
    f.imports.discardInput(done.input());

    assertThat(f.fx.tenant(target.tenantId()).databaseName())
        .isEqualTo(done.target().newDatabase());
    assertThat(checksums(f.current(target.tenantId())))
        .containsExactlyInAnyOrderEntriesOf(exported);
  }

  @Test
  void aLiveSourceWrittenDuringItsDumpIsImportedAsOneSnapshotAndOnlyRead() throws Exception {
    StepInput source = f.provision(true);
    DataSource sourceDb = f.current(source.tenantId());
    UUID user =
        JdbcClient.create(sourceDb)
            .sql("INSERT INTO users (email, role) VALUES ('w@x.io', 'admin') RETURNING id")
            .query(UUID.class)
            .single();
    JdbcClient.create(sourceDb)
        .sql(
            "INSERT INTO vendor_configs (vendor_key, display_name, delimiter, period_format,"
                + " column_mapping) VALUES ('acme', 'Acme', ',', 'yyyy-MM-dd', '{}')")
        .update();
    String sourceName = f.fx.tenant(source.tenantId()).databaseName();
    String catalogueBefore = catalogue(sourceName);
    String rolesBefore = roles(source.tenantId());
    StepInput target = f.provision(true);
    String id = f.newImportId();
    f.staged.stageSource(
        target.tenantId(),
        id,
        "wf",
        "test",
        "postgresql://postgres:"
            + TestPostgres.superuserPassword()
            + "@localhost:"
            + TestPostgres.port()
            + "/"
            + sourceName);

    // A batch and its entries, in one transaction each, for as long as the import runs.
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger committed = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = sourceDb.getConnection()) {
                c.setAutoCommit(false);
                for (int n = 1; writing.get(); n++) {
                  writeBatch(c, user, 1 + n % 7);
                  c.commit();
                  committed.incrementAndGet();
                }
              } catch (Throwable e) {
                failed.set(e);
              }
            },
            "import-source-writer");
    writer.start();
    Imported done;
    int atStart;
    int atEnd;
    try {
      while (committed.get() < 20 && writer.isAlive()) {
        Thread.sleep(10);
      }
      atStart = committed.get();
      done = f.runImport(new ImportInput(target.tenantId(), id, "live", "import:" + id));
      atEnd = committed.get();
      while (committed.get() < atEnd + 5 && writer.isAlive()) {
        Thread.sleep(10);
      }
    } finally {
      writing.set(false);
      writer.join(10_000);
    }
    assertThat(failed.get()).isNull();
    assertThat(done.report()).isEmpty();

    // One snapshot: every batch in the copy has all its entries, and the copy lies between the
    // batches committed before the import and those committed by its end.
    DataSource copy = TestPostgres.superuser(done.target().newDatabase());
    long batches = count(copy, "SELECT count(*) FROM upload_batches");
    assertThat(batches).isBetween((long) atStart, (long) atEnd);
    assertThat(count(f.current(source.tenantId()), "SELECT count(*) FROM upload_batches"))
        .isGreaterThan(batches);
    assertThat(
            count(
                copy,
                "SELECT count(*) FROM upload_batches b WHERE b.row_count <>"
                    + " (SELECT count(*) FROM sellout_entries2 e WHERE e.batch_id = b.id)"))
        .isZero();
    assertThat(count(copy, "SELECT count(*) FROM sellout_entries2"))
        .isEqualTo(count(copy, "SELECT coalesce(sum(row_count), 0) FROM upload_batches"));
    // The source was only read: no object made in it, its roles as they were.
    assertThat(catalogue(sourceName)).isEqualTo(catalogueBefore);
    assertThat(roles(source.tenantId())).isEqualTo(rolesBefore);
    f.dropCopy(target, done);
  }

  private static void writeBatch(Connection c, UUID user, int entries) throws SQLException {
    UUID batch = UUID.randomUUID();
    try (PreparedStatement b =
            c.prepareStatement(
                "INSERT INTO upload_batches (id, uploaded_by, vendor_key, file_name, row_count)"
                    + " VALUES (?, ?, 'acme', 'w.csv', ?)");
        PreparedStatement e =
            c.prepareStatement(
                "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, sku,"
                    + " period_start, period_end, period_label, quantity, revenue, currency)"
                    + " VALUES (?, ?, 'acme', 'w', DATE '2026-01-01', DATE '2026-01-01',"
                    + " '2026-01-01', 1, 1, 'EUR')")) {
      b.setObject(1, batch);
      b.setObject(2, user);
      b.setInt(3, entries);
      b.executeUpdate();
      for (int i = 0; i < entries; i++) {
        e.setObject(1, batch);
        e.setObject(2, user);
        e.addBatch();
      }
      e.executeBatch();
    }
  }

  /** Rows with quotes, commas, line breaks, backslashes, NULLs and unicode in every table. */
  private static void fillEveryTable(DataSource db) {
    JdbcClient sql = JdbcClient.create(db);
    String tricky = "O'Brien, \"the\" 1st\nline two\\ \t tab; Zoë 日本 ✓ 🚀";
    UUID admin =
        sql.sql(
                "INSERT INTO users (email, display_name, role, password_hash) VALUES"
                    + " ('boss@acme.io', :n, 'admin', '$2a$10$x') RETURNING id")
            .param("n", tricky)
            .query(UUID.class)
            .single();
    sql.sql("INSERT INTO users (email, display_name) VALUES ('nobody@acme.io', NULL)").update();
    sql.sql(
            "INSERT INTO products (sku, name, ean, category) VALUES ('p,1', :n, '12345678', NULL),"
                + " ('p\"2', 'plain', NULL, 'Kategorie ß')")
        .param("n", tricky)
        .update();
    sql.sql(
            "INSERT INTO vendor_configs (vendor_key, display_name, delimiter, quote_char,"
                + " period_format, decimal_separator, default_currency, column_mapping) VALUES"
                + " ('acme-eu', :n, ';', '''', 'dd.MM.yyyy', ',', 'EUR',"
                + " '{\"Menge\": \"quantity\", \"a,b\": \"sku\", \"x\\ny\": \"store\"}'),"
                + " ('other', 'Other', ',', '\"', 'YYYY-Www', '.', NULL, '{}')")
        .param("n", tricky)
        .update();
    UUID batch =
        sql.sql(
                "INSERT INTO upload_batches (uploaded_by, vendor_key, file_name, row_count)"
                    + " VALUES (:u, 'acme-eu', :f, 2) RETURNING id")
            .param("u", admin)
            .param("f", "März, \"final\".csv")
            .query(UUID.class)
            .single();
    sql.sql(
            "INSERT INTO sellout_entries2 (batch_id, uploaded_by, vendor_key, product_id, ean,"
                + " sku, product_name, period_start, period_end, period_label, quantity, revenue,"
                + " currency, store, channel, country) SELECT :b, :u, 'acme-eu', p.id, NULL, p.sku,"
                + " :n, DATE '2026-03-01', DATE '2026-03-31', '2026-03', -1.5, 12345.67, 'EUR',"
                + " NULL, 'online', 'DE' FROM products p WHERE p.sku = 'p,1'"
                + " UNION ALL SELECT :b, :u, 'acme-eu', NULL, '1234567890123', NULL, NULL,"
                + " DATE '2026-03-02', DATE '2026-03-02', '02.03.2026', 3, 0, 'CHF', 'Laden 1',"
                + " NULL, NULL")
        .param("b", batch)
        .param("u", admin)
        .param("n", tricky)
        .update();
    sql.sql(
            "INSERT INTO ecommerce_orders (order_number, product_id, quantity, amount, currency,"
                + " ordered_at, customer_country) SELECT 'A-1', id, 2, 9.99, 'USD',"
                + " TIMESTAMPTZ '2026-03-01 12:00:00.123456+02', 'US' FROM products"
                + " WHERE sku = 'p\"2' UNION ALL SELECT 'B,\"2\"', NULL, 0.001, -5, 'JPY',"
                + " TIMESTAMPTZ '2026-03-02 00:00:00Z', NULL")
        .update();
    sql.sql(
            "INSERT INTO conversation_history (user_id, role, message) VALUES"
                + " (:u, 'user', :n), (:u, 'assistant', 'ok')")
        .param("u", admin)
        .param("n", tricky + "\r\n\\N")
        .update();
  }

  /**
   * Per table of schema public: its row count and the MD5 of its rows as text, in one order that
   * does not depend on how they were written.
   */
  private static Map<String, String> checksums(DataSource db) {
    JdbcClient sql = JdbcClient.create(db);
    Map<String, String> out = new TreeMap<>();
    List<String> tables =
        sql.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .query(String.class)
            .list();
    for (String t : tables) {
      out.put(
          t,
          sql.sql(
                  "SELECT count(*) || ' ' || md5(coalesce(string_agg(r::text, E'\\n'"
                      + " ORDER BY r::text COLLATE \"C\"), '')) FROM public.\""
                      + t
                      + "\" r")
              .query(String.class)
              .single());
    }
    return out;
  }

  /** What the database's catalogue holds beyond PostgreSQL's own (objects, not statistics). */
  private static String catalogue(String database) {
    return JdbcClient.create(TestPostgres.superuser(database))
        .sql(
            "SELECT format('%s|%s|%s|%s|%s|%s', (SELECT string_agg(format('%s %s %s %s %s',"
                + " c.oid, c.relname, c.relkind, c.relowner, c.relacl), ',' ORDER BY c.oid)"
                + " FROM pg_class c WHERE c.oid >= 16384 AND c.relpersistence <> 't'),"
                + " (SELECT count(*) FROM pg_proc WHERE oid >= 16384),"
                + " (SELECT count(*) FROM pg_namespace WHERE oid >= 16384),"
                + " (SELECT count(*) FROM pg_publication),"
                + " (SELECT count(*) FROM pg_replication_slots),"
                + " (SELECT format('%s %s', datacl, datdba) FROM pg_database"
                + " WHERE datname = current_database()))")
        .query(String.class)
        .single();
  }

  /** The source tenant's roles, with their rights and password hashes. */
  private static String roles(UUID tenantId) {
    return JdbcClient.create(TestPostgres.superuser("postgres"))
        .sql(
            "SELECT string_agg(format('%s %s %s %s %s %s %s %s %s', rolname, rolsuper,"
                + " rolcanlogin, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,"
                + " rolpassword, rolvaliduntil), ',' ORDER BY rolname) FROM pg_authid"
                + " WHERE rolname LIKE :p")
        .param("p", "t_" + TenantDatabaseNames.hex(tenantId) + "%")
        .query(String.class)
        .single();
  }

  private static long count(DataSource db, String sql) {
    return JdbcClient.create(db).sql(sql).query(Long.class).single();
  }
}
