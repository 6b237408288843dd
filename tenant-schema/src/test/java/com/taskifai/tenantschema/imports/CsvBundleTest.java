package com.taskifai.tenantschema.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** A CSV bundle read by the sell-out uploads' RFC 4180 and size rules: any bad line refuses it. */
class CsvBundleTest {

  static byte[] zip(String... nameThenContent) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      for (int i = 0; i + 1 < nameThenContent.length; i += 2) {
        z.putNextEntry(new ZipEntry(nameThenContent[i]));
        z.write(nameThenContent[i + 1].getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Test
  void aGoodBundleIsReadInTheOrderItsTablesReferToEachOther() {
    CsvBundle b =
        CsvBundle.read(
            zip(
                "tables/products.csv",
                "sku,name\np-1,\"A, with comma\"\np-2,\"two\nlines\"\n",
                "users.csv",
                "email,role\na@x.io,admin\n"));

    assertThat(b.report()).isEmpty();
    assertThat(b.tables()).extracting(CsvBundle.Table::table).containsExactly("users", "products");
    assertThat(b.tables().get(1).rows()).isEqualTo(2);
  }

  @Test
  void badLinesUnknownFilesAndBadHeadersAreReportedWithFileAndLineAndNothingIsKept() {
    CsvBundle b =
        CsvBundle.read(
            zip(
                "products.csv",
                "sku,name\np-1,one\np-2,two,extra\n",
                "users.csv",
                "email,role\n\"a@x.io,admin\n",
                "orders.csv",
                "Order Id,total\n1,2\n",
                "secrets.csv",
                "x\n1\n"));

    assertThat(b.tables()).isEmpty();
    assertThat(b.report())
        .extracting(ImportProblem::file, ImportProblem::line)
        .contains(
            org.assertj.core.groups.Tuple.tuple("products.csv", 3),
            org.assertj.core.groups.Tuple.tuple("orders.csv", 1),
            org.assertj.core.groups.Tuple.tuple("secrets.csv", null));
    assertThat(b.report()).extracting(ImportProblem::file).contains("users.csv");
  }
}
