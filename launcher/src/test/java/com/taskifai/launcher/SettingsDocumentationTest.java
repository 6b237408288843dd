package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.taskifai.registry.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md lists every setting of the configuration metadata (the {@code
 * META-INF/spring-configuration-metadata.json} the build generates for each module's settings
 * records) once, with its environment name and its default, and names no setting the metadata does
 * not know.
 */
class SettingsDocumentationTest {
  private static final Pattern ROW =
      Pattern.compile(
          "^\\| `(taskifai\\.[a-z0-9.-]+)` \\| `(TASKIFAI_[A-Z0-9_]+)` \\| ([^|]*) \\|");
  private static final Pattern ENV = Pattern.compile("TASKIFAI_[A-Z0-9_]*[A-Z0-9]");

  /** Property name to its default as the docs write it ("" for none). */
  private static Map<String, String> metadata;

  private static List<String> boundTable;
  private static List<String> byHandTable;

  @BeforeAll
  static void load() throws IOException {
    metadata = new TreeMap<>();
    ObjectMapper json = new ObjectMapper();
    List<URL> files =
        Collections.list(
            SettingsDocumentationTest.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"));
    for (URL file : files) {
      try (InputStream in = file.openStream()) {
        for (JsonNode p : json.readTree(in).path("properties")) {
          String name = p.path("name").asText();
          if (name.startsWith("taskifai.")) {
            String previous = metadata.put(name, documented(p.get("defaultValue")));
            assertThat(previous).as("%s is defined by one record only", name).isNull();
          }
        }
      }
    }
    List<String> doc =
        Files.readAllLines(Path.of("").toAbsolutePath().getParent().resolve("docs/operations.md"));
    boundTable = table(doc, "### Settings bound from the environment");
    byHandTable = table(doc, "### Settings read by hand");
  }

  /** The rows of the first table after {@code heading}. */
  private static List<String> table(List<String> doc, String heading) {
    int i = doc.indexOf(heading);
    assertThat(i).as("docs/operations.md has the section %s", heading).isNotNegative();
    while (!doc.get(i).startsWith("|")) {
      i++;
    }
    List<String> rows = new ArrayList<>();
    for (i += 2; i < doc.size() && doc.get(i).startsWith("|"); i++) {
      rows.add(doc.get(i));
    }
    return rows;
  }

  private static String documented(JsonNode value) {
    if (value == null || value.isNull()) {
      return "";
    }
    String text =
        value.isArray()
            ? java.util.stream.StreamSupport.stream(value.spliterator(), false)
                .map(JsonNode::asText)
                .collect(Collectors.joining(","))
            : value.asText();
    if (text.startsWith("[") && text.endsWith("]")) {
      text = text.substring(1, text.length() - 1).replace(", ", ",");
    }
    return text.isEmpty() ? "" : "`" + text + "`";
  }

  @Test
  void theMetadataHoldsTheRecordsOfEveryModule() {
    assertThat(metadata)
        .containsKeys(
            "taskifai.db.url",
            "taskifai.smtp.host",
            "taskifai.backup.s3.bucket",
            "taskifai.temporal.call-timeout",
            "taskifai.pool.max-per-tenant",
            "taskifai.worker.management-port");
  }

  @Test
  void everySettingIsDocumentedOnceWithItsEnvironmentNameAndDefault() {
    Map<String, String> documented = new TreeMap<>();
    for (String row : boundTable) {
      Matcher m = ROW.matcher(row);
      assertThat(m.find()).as("row of the settings table: %s", row).isTrue();
      String property = m.group(1);
      assertThat(documented.put(property, m.group(3).strip()))
          .as("%s is listed once", property)
          .isNull();
      assertThat(m.group(2))
          .as("environment name of %s", property)
          .isEqualTo(Settings.envName(property));
    }
    assertThat(documented.keySet())
        .as("the docs table names exactly the settings of the metadata")
        .containsExactlyElementsOf(metadata.keySet());
    assertThat(documented).as("defaults").containsExactlyInAnyOrderEntriesOf(metadata);
  }

  @Test
  void noEnvironmentNameIsListedTwice() {
    Map<String, Integer> seen = new TreeMap<>();
    for (String row : concat(boundTable, byHandTable)) {
      String firstCells =
          row.split("\\|").length > 2 ? row.split("\\|")[1] + row.split("\\|")[2] : row;
      Matcher m = ENV.matcher(firstCells);
      while (m.find()) {
        seen.merge(m.group(), 1, Integer::sum);
      }
    }
    assertThat(seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
        .as("environment names listed in more than one row")
        .isEmpty();
    // The names read by hand are not bound ones.
    for (String row : byHandTable) {
      Matcher m = ENV.matcher(row.split("\\|")[1]);
      while (m.find()) {
        String name = m.group();
        assertThat(metadata.keySet().stream().map(Settings::envName))
            .as("%s is in the bound table, not read by hand", name)
            .doesNotContain(name);
      }
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
