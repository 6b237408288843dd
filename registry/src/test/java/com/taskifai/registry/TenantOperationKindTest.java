package com.taskifai.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.taskifai.registry.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The operation tables in code are the tables in docs/operations.md, and the claim knows every
 * operation of the table (and no other).
 */
class TenantOperationKindTest {

  /** The rows of the markdown table that follows {@code heading} (header and rule left out). */
  private static List<List<String>> table(String heading) throws IOException {
    Path doc = Path.of("..", "docs", "operations.md");
    List<String> lines = Files.readAllLines(doc);
    int at = lines.indexOf(heading);
    assertThat(at).as("docs/operations.md has the heading '%s'", heading).isNotNegative();
    List<List<String>> rows = new ArrayList<>();
    int i = at + 1;
    while (i < lines.size() && !lines.get(i).startsWith("|")) {
      i++;
    }
    for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String line = lines.get(i).strip();
      rows.add(
          Arrays.stream(line.substring(1, line.length() - 1).split("\\|"))
              .map(String::strip)
              .toList());
    }
    return rows;
  }

  @Test
  void theOverlapTableInTheDocsIsTheOneInCode() throws IOException {
    List<List<String>> rows = table("### Which operations may overlap on one tenant");
    assertThat(rows.stream().map(r -> r.get(0)).toList())
        .containsExactlyElementsOf(
            Arrays.stream(TenantOperationKind.values()).map(k -> "`" + k.name() + "`").toList());
    TenantOperationKind[] kinds = TenantOperationKind.values();
    for (int r = 0; r < kinds.length; r++) {
      for (int c = 0; c < kinds.length; c++) {
        assertThat(rows.get(r).get(c + 1))
            .as("%s beside %s", kinds[r], kinds[c])
            .isEqualTo(kinds[r].mayOverlap(kinds[c]) ? "yes" : "no");
      }
    }
  }

  @Test
  void theTierTableInTheDocsIsTheOneInCode() throws IOException {
    List<List<String>> rows = table("### Every operation for every kind of tenant");
    assertThat(rows.stream().map(r -> r.get(0)).toList())
        .containsExactlyElementsOf(
            Arrays.stream(TenantOperationKind.values()).map(k -> "`" + k.name() + "`").toList());
    TenantKind[] kinds = TenantKind.values();
    for (List<String> row : rows) {
      TenantOperationKind op = TenantOperationKind.parse(row.get(0).replace("`", ""));
      for (int c = 0; c < kinds.length; c++) {
        String cell = row.get(c + 1);
        var refusal = op.refusalFor(kinds[c]);
        if (refusal.isPresent()) {
          assertThat(cell)
              .as("%s for a %s tenant", op, kinds[c].value())
              .startsWith("refused " + refusal.get().status());
        } else {
          assertThat(cell).as("%s for a %s tenant", op, kinds[c].value()).startsWith("works");
        }
      }
    }
  }

  @Test
  void theClaimRefusesAnOperationNotInTheTableAndNamesTheHolderToASecondOne() {
    TestPostgres.Platform db = TestPostgres.platform();
    TenantRegistry registry = new TenantRegistry(db.platform());
    UUID id = UUID.randomUUID();
    registry.reserve(
        new TenantRegistry.Reservation(
            id, "op-" + id.toString().substring(0, 8), "Ops", "o@ops.test", "local"));
    TenantOperations operations = registry.operations();

    assertThatThrownBy(() -> operations.claim(id, "COPYING", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("COPYING");
    for (TenantOperationKind first : TenantOperationKind.values()) {
      assertThat(operations.claim(id, first, "first")).isEmpty();
      for (TenantOperationKind second : TenantOperationKind.values()) {
        assertThat(operations.claim(id, second, "second"))
            .as("%s while %s holds the tenant", second, first)
            .contains(new TenantOperations.Held(first.name(), "first"));
      }
      operations.release(id, "first");
    }
  }
}
