package com.taskifai.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation speaks of the project alone: no link that leaves the repository, no mention of
 * a {@code shared/} folder beside it, no issue numbers.
 */
class DocsStayInTheRepositoryTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)");
  private static final Pattern ISSUE = Pattern.compile("(?i)\\bissues?\\s*#?\\s*\\d+");

  /** docs/**.md, the README at the top and the README of every module. */
  static List<Path> documentation() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).forEach(files::add);
    }
    files.add(ROOT.resolve("README.md"));
    try (Stream<Path> modules = Files.list(ROOT)) {
      modules.map(m -> m.resolve("README.md")).filter(Files::isRegularFile).forEach(files::add);
    }
    return files;
  }

  /** What in one markdown file points outside the repository or names an issue. */
  static List<String> problems(Path file, String text) {
    List<String> found = new ArrayList<>();
    Matcher link = LINK.matcher(text);
    while (link.find()) {
      String target = link.group(1);
      if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*") || target.startsWith("#")) {
        continue; // a web address or an anchor on the same page
      }
      String path = target.replaceAll("#.*$", "");
      Path resolved =
          path.startsWith("/")
              ? Path.of(path)
              : file.toAbsolutePath().getParent().resolve(path).normalize();
      if (!resolved.startsWith(ROOT)) {
        found.add("link outside the repository: " + target);
      }
    }
    if (text.contains("shared/")) {
      found.add("mentions shared/");
    }
    Matcher issue = ISSUE.matcher(text);
    while (issue.find()) {
      found.add("names an issue: " + issue.group());
    }
    return found;
  }

  @Test
  void noMarkdownFileLinksOutsideTheRepositoryOrNamesAnIssue() throws IOException {
    assertThat(ROOT.resolve("pom.xml")).isRegularFile();
    List<Path> files = documentation();
    assertThat(files).contains(ROOT.resolve("docs/architecture.md"), ROOT.resolve("api/README.md"));
    List<String> problems = new ArrayList<>();
    for (Path file : files) {
      for (String problem : problems(file, Files.readString(file))) {
        problems.add(ROOT.relativize(file) + ": " + problem);
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theCheckFindsWhatItLooksFor() {
    Path page = ROOT.resolve("docs/page.md");
    assertThat(problems(page, "See [plan](../../shared/ARCHITECTURE.md).")).hasSize(2);
    assertThat(problems(page, "See [x](../../../etc/passwd) and [y](/etc/hosts).")).hasSize(2);
    assertThat(problems(page, "Issue 3 fixes this name; see issue #12.")).hasSize(2);
    assertThat(
            problems(
                page,
                "See [ops](operations.md#runbook), [api](../api/README.md),"
                    + " [web](https://temporal.io/) and [top](#modules)."))
        .isEmpty();
  }
}
