package com.taskifai.tenantschema.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The plain-dump cutter: what psql would run, cut without psql, and what an import refuses. */
class PlainDumpScriptTest {

  @Test
  void semicolonsInsideQuotesDollarQuotesAndCommentsDoNotEndAStatement() {
    String text =
        "-- header; with a semicolon\n"
            + "SELECT 'a;b', E'it\\'s;', \"odd;name\" FROM t;\n"
            + "/* block; /* nested; */ still; */ CREATE FUNCTION f() RETURNS int"
            + " LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;\n"
            + "SELECT $$x;y$$;\n";

    PlainDumpScript.Parsed p = PlainDumpScript.parse(text);

    assertThat(p.refused()).isEmpty();
    assertThat(p.statements()).extracting(PlainDumpScript.Statement::line).containsExactly(2, 3, 4);
    assertThat(p.statements().get(1).sql()).contains("RETURN 1; END");
  }

  @Test
  void aCopyFromStdinKeepsItsDataBlockUpToTheTerminatorAndCountsItsLines() {
    String text =
        "COPY public.products (sku, name) FROM stdin;\n"
            + "a\tone; not SQL\n"
            + "b\t\\N\n"
            + "\\.\n"
            + "\\restrict abc123\n"
            + "SELECT 1;\n";

    PlainDumpScript.Parsed p = PlainDumpScript.parse(text);

    assertThat(p.refused()).isEmpty();
    assertThat(p.statements()).hasSize(2);
    assertThat(p.statements().get(0).copyData()).isEqualTo("a\tone; not SQL\nb\t\\N\n");
    assertThat(p.statements().get(1).line()).isEqualTo(6);
  }

  @Test
  void aBackslashCommandACopyToAProgramAndRoleChangesAreRefusedWithTheirLines() {
    String text =
        "SELECT 1;\n"
            + "\\! rm -rf /\n"
            + "COPY (SELECT 1) TO PROGRAM 'id';\n"
            + "CREATE ROLE evil SUPERUSER;\n"
            + "alter   system set work_mem = '1GB';\n"
            + "SET ROLE postgres;\n";

    List<PlainDumpScript.Refusal> refused = PlainDumpScript.parse(text).refused();

    assertThat(refused).extracting(PlainDumpScript.Refusal::line).containsExactly(2, 3, 4, 5, 6);
  }

  @Test
  void theSourcesOwnersAndGrantsAreLeftOutAsPgRestoreLeavesThemOut() {
    String text =
        "CREATE TABLE public.t (x int);\n"
            + "ALTER TABLE public.t OWNER TO someone;\n"
            + "GRANT ALL ON TABLE public.t TO someone;\n"
            + "REVOKE ALL ON SCHEMA public FROM PUBLIC;\n";

    PlainDumpScript.Parsed p = PlainDumpScript.parse(text);

    assertThat(p.refused()).isEmpty();
    assertThat(p.statements())
        .extracting(PlainDumpScript.Statement::sql)
        .containsExactly("CREATE TABLE public.t (x int)");
  }

  @Test
  void anUnterminatedCopyOrStatementIsRefusedNotLoadedInPart() {
    assertThat(PlainDumpScript.parse("COPY t (x) FROM stdin;\n1\n2\n").refused()).hasSize(1);
    assertThat(PlainDumpScript.parse("SELECT 1;\nSELECT 'open").refused()).hasSize(1);
  }
}
