package com.taskifai.routing.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.tenantschema.VendorConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Currency;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The sell-out file reader on its own: RFC 4180, limits, line numbers and speed. */
class SelloutFileTest {
  static final Set<String> CURRENCIES =
      Currency.getAvailableCurrencies().stream()
          .map(Currency::getCurrencyCode)
          .filter(c -> !c.startsWith("X")) // like the tenant's table: no funds, metals, tests
          .collect(Collectors.toSet());
  static final VendorConfig B = vendor("vendor-b-online-eu");
  static final String HEADER =
      "order_month,product_code,product_name,units,net_revenue,currency,country";

  static VendorConfig vendor(String key) {
    return VendorConfig.defaults().stream()
        .filter(v -> v.vendorKey().equals(key))
        .findFirst()
        .orElseThrow();
  }

  static byte[] sample(String name) {
    try (InputStream in = SelloutFileTest.class.getResourceAsStream("/sellout/" + name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static SelloutFile.Result parse(String text) {
    return SelloutFile.parse(text.getBytes(StandardCharsets.UTF_8), B, CURRENCIES);
  }

  /** RFC 4180 cases: the file (after the header), the product names read, their start lines. */
  static Stream<Arguments> rfc4180() {
    return Stream.of(
        Arguments.of(
            "plain LF", HEADER + "\n2026-03,12345678,Serum,1,2.00,EUR,DE\n", List.of("Serum"), 2),
        Arguments.of(
            "CRLF line breaks",
            HEADER + "\r\n2026-03,12345678,Serum,1,2.00,EUR,DE\r\n",
            List.of("Serum"),
            2),
        Arguments.of(
            "a delimiter inside quotes",
            HEADER + "\n2026-03,12345678,\"Serum, 30ml\",1,2.00,EUR,DE\n",
            List.of("Serum, 30ml"),
            2),
        Arguments.of(
            "doubled quotes",
            HEADER + "\n2026-03,12345678,\"Lip Balm \"\"classic\"\"\",1,2.00,EUR,DE\n",
            List.of("Lip Balm \"classic\""),
            2),
        Arguments.of(
            "a CRLF line break inside quotes",
            HEADER + "\r\n2026-03,12345678,\"two\r\nlines\",1,2.00,EUR,DE\r\n",
            List.of("two\r\nlines"),
            2),
        Arguments.of(
            "an LF line break inside quotes, the next row named by its own line",
            HEADER
                + "\n\n2026-03,12345678,\"a\nb\",1,2.00,EUR,DE\n2026-03,12345678,X,x,2.00,EUR,DE\n",
            List.of("a\nb"),
            3),
        Arguments.of(
            "a UTF-8 byte-order mark",
            "\uFEFF" + HEADER + "\n2026-03,12345678,Serum,1,2.00,EUR,DE\n",
            List.of("Serum"),
            2),
        Arguments.of(
            "non-ASCII text",
            HEADER + "\n2026-03,12345678,Crème für Köln – 日本,1,2.00,EUR,DE\n",
            List.of("Crème für Köln – 日本"),
            2),
        Arguments.of(
            "no line break at the end, blank lines skipped",
            HEADER + "\n\n   \n2026-03,12345678,Serum,1,2.00,EUR,DE",
            List.of("Serum"),
            4));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rfc4180")
  void readsRfc4180(String name, String file, List<String> names, int firstLine) {
    SelloutFile.Result r = parse(file);
    assertThat(r.entries()).extracting(SelloutFile.Entry::productName).isEqualTo(names);
    assertThat(r.entries().get(0).line()).isEqualTo(firstLine);
    if (file.contains("X,x")) {
      // The row after a two-line record is named by the line it is on.
      assertThat(r.errors()).extracting(SelloutFile.RowError::line).containsExactly(5);
    } else {
      assertThat(r.errorCount()).isZero();
    }
  }

  @Test
  void theSampleFilesReadAsBefore() {
    assertThat(parse(sample("vendor-a-retail-de.csv"), "vendor-a-retail-de").entries())
        .hasSize(dataRows("vendor-a-retail-de.csv", 0));
    assertThat(parse(sample("vendor-b-online-eu.csv"), "vendor-b-online-eu").entries())
        .hasSize(dataRows("vendor-b-online-eu.csv", 0));
    SelloutFile.Result c = parse(sample("vendor-c-pharmacy.tsv"), "vendor-c-pharmacy");
    assertThat(c.entries()).hasSize(dataRows("vendor-c-pharmacy.tsv", 2));
    assertThat(c.entries().get(0).line()).isEqualTo(4);
    SelloutFile.Result errors = parse(sample("vendor-b-with-errors.csv"), "vendor-b-online-eu");
    assertThat(errors.errors()).extracting(SelloutFile.RowError::line).containsExactly(3, 4, 5, 6);
    assertThat(errors.entries()).extracting(SelloutFile.Entry::line).containsExactly(2, 8);
    assertThat(errors.entries().get(1).productName()).isEqualTo("Lip Balm \"classic\" 4g");
  }

  private static SelloutFile.Result parse(byte[] file, String vendor) {
    return SelloutFile.parse(file, vendor(vendor), CURRENCIES);
  }

  private static int dataRows(String name, int linesBeforeHeader) {
    String[] lines = new String(sample(name), StandardCharsets.UTF_8).split("\n");
    int n = 0;
    for (int i = linesBeforeHeader + 1; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aFiveMegabyteLineOfQuotesIsRefusedInUnderASecondNamingTheLine() {
    for (String start : List.of("x", "", "2026-03,")) {
      byte[] quotes = new byte[5 * 1024 * 1024];
      Arrays.fill(quotes, (byte) '"');
      byte[] head = (HEADER + "\n" + start).getBytes(StandardCharsets.UTF_8);
      byte[] file = new byte[head.length + quotes.length];
      System.arraycopy(head, 0, file, 0, head.length);
      System.arraycopy(quotes, 0, file, head.length, quotes.length);
      long started = System.nanoTime();
      assertThatThrownBy(() -> parse(new String(file, StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(
              SelloutFile.FileError.class,
              e -> {
                assertThat(e.kind()).isEqualTo(SelloutFile.FileError.Kind.BAD_LINE);
                assertThat(e.row().line()).isEqualTo(2);
                assertThat(e.getMessage()).startsWith("line 2 ");
              });
      assertThat((System.nanoTime() - started) / 1_000_000).as(start).isLessThan(1000);
    }
  }

  @Test
  void aLineOrFieldBeyondTheLimitsIsNamed() {
    String longField = "a".repeat(SelloutFile.MAX_FIELD_CHARS + 1);
    assertThatThrownBy(
            () ->
                parse(
                    HEADER
                        + "\n2026-03,12345678,Serum,1,2.00,EUR,DE\n\n2026-03,12345678,"
                        + longField
                        + ",1,2.00,EUR,DE\n"))
        .isInstanceOfSatisfying(
            SelloutFile.FileError.class, e -> assertThat(e.row().line()).isEqualTo(4));
    String longLine = ",".repeat(SelloutFile.MAX_COLUMNS + 1);
    assertThatThrownBy(() -> parse(HEADER + "\n" + longLine + "\n"))
        .isInstanceOfSatisfying(
            SelloutFile.FileError.class,
            e -> {
              assertThat(e.kind()).isEqualTo(SelloutFile.FileError.Kind.BAD_LINE);
              assertThat(e.row().line()).isEqualTo(2);
            });
  }

  @Test
  void aStrayQuoteAfterAQuotedFieldIsRefusedNamingTheLine() {
    assertThatThrownBy(
            () ->
                parse(
                    HEADER
                        + "\n2026-03,12345678,Serum,1,2.00,EUR,DE\n2026-03,12345678,\"Se\"rum,1,2.00,EUR,DE\n"))
        .isInstanceOfSatisfying(
            SelloutFile.FileError.class,
            e -> {
              assertThat(e.kind()).isEqualTo(SelloutFile.FileError.Kind.BAD_LINE);
              assertThat(e.row().line()).isEqualTo(3);
              assertThat(e.getMessage()).contains("quote");
            });
  }

  @Test
  void theByteLimitIsEnforcedWhileReading() {
    byte[] file =
        (HEADER + "\n" + "2026-03,12345678,Serum,1,2.00,EUR,DE\n".repeat(100))
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SelloutFile.parse(new ByteArrayInputStream(file), 1000, B, CURRENCIES))
        .isInstanceOfSatisfying(
            SelloutFile.FileError.class,
            e -> assertThat(e.kind()).isEqualTo(SelloutFile.FileError.Kind.TOO_LARGE));
    assertThat(
            SelloutFile.parse(new ByteArrayInputStream(file), file.length, B, CURRENCIES).entries())
        .hasSize(100);
  }

  @Test
  void textThatIsNotUtf8OrHasNoHeaderIsNotReadable() {
    byte[] latin1 =
        (HEADER + "\n2026-03,12345678,Crème,1,2.00,EUR,DE\n").getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> SelloutFile.parse(latin1, B, CURRENCIES))
        .isInstanceOfSatisfying(
            SelloutFile.FileError.class,
            e -> {
              assertThat(e.kind()).isEqualTo(SelloutFile.FileError.Kind.NOT_READABLE);
              assertThat(e.getMessage()).contains("UTF-8");
            });
    assertThatThrownBy(() -> parse("\n" + HEADER + "\n"))
        .isInstanceOfSatisfying(
            SelloutFile.FileError.class,
            e -> assertThat(e.getMessage()).contains("no header line at line 1"));
    assertThatThrownBy(
            () -> SelloutFile.parse(new byte[0], vendor("vendor-c-pharmacy"), CURRENCIES))
        .isInstanceOf(SelloutFile.FileError.class)
        .hasMessageContaining("no header line at line 3");
  }
}
