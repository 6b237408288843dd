package com.taskifai.launcher;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The registry owns the platform tables' SQL: no class of the platform's main code outside {@code
 * com.taskifai.registry} holds a statement that names a platform table (one the platform migrations
 * create), so such SQL cannot come back beside a controller, an activity or the router. Checked on
 * the compiled classes of every module (the launcher sees them all): each class's string constants,
 * text blocks and the constant parts of concatenations included.
 *
 * <p>A rule on the types ("no class outside the registry uses a DataSource") would not hold: the
 * activities and the router reach tenant databases through DataSources of their own, and the
 * registry's repositories are built from the platform's DataSource in each process's composition
 * root. What must stay in the registry is the SQL, so that is what is checked. The chaos harness
 * ({@code com.taskifai.launcher.chaos}) is left out on purpose: its invariants read the registry as
 * an outside observer, not through the code whose results they judge.
 */
class PlatformSqlArchitectureTest {
  private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar!/.*");
  private static final Pattern CREATE_TABLE =
      Pattern.compile(
          "(?i)create\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?(?:public\\.)?([a-z_][a-z0-9_]*)");

  private static JavaClasses platform;
  private static Set<String> tables;
  private static Pattern platformSql;

  @BeforeAll
  static void importPlatform() throws IOException {
    platform =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // Other modules' test-jars are test code, not the platform's.
            .withImportOption(location -> !location.matches(TEST_JAR))
            .importPackages("com.taskifai");
    tables = new TreeSet<>();
    for (Resource migration :
        new PathMatchingResourcePatternResolver().getResources("classpath*:db/platform/*.sql")) {
      try (InputStream in = migration.getInputStream()) {
        Matcher m = CREATE_TABLE.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        while (m.find()) {
          tables.add(m.group(1).toLowerCase(Locale.ROOT));
        }
      }
    }
    platformSql =
        Pattern.compile(
            "(?i)\\b(?:from|into|update|join|table|truncate)\\s+(?:only\\s+)?(?:public\\.)?("
                + String.join("|", tables)
                + ")\\b(?![.-])");
  }

  @Test
  void noClassOutsideTheRegistryNamesAPlatformTableInSql() {
    classes()
        .that()
        .resideOutsideOfPackages("com.taskifai.registry..", "com.taskifai.launcher.chaos..")
        .should(holdNoSqlOnPlatformTables())
        .because(
            "the platform tables' SQL is in a registry repository, injected where it is used"
                + " (docs/architecture.md)")
        .check(platform);
  }

  @Test
  void theRuleSeesEveryModuleAndFindsTheRegistrysOwnSql() {
    // An import that found nothing, or a pattern that matches nothing, would pass the rule above.
    assertThat(tables)
        .contains("tenants", "platform_admins", "tenant_secrets", "dns_records", "trial_databases");
    for (String module :
        List.of(
            "com.taskifai.api.auth.AdminAccounts",
            "com.taskifai.activities.StagedSecrets",
            "com.taskifai.activities.dns.LocalDnsProvider",
            "com.taskifai.routing.tenancy.ConnectionBudgets",
            "com.taskifai.launcher.Operator",
            "com.taskifai.tenantschema.TenantSchema",
            "com.taskifai.worker.WorkerMain")) {
      assertThat(platform.contain(module)).as(module).isTrue();
    }
    assertThat(platformSqlIn(platform.get("com.taskifai.registry.PlatformAdmins")))
        .anyMatch(s -> s.contains("platform_admins"));
    assertThat(platformSqlIn(platform.get("com.taskifai.registry.TrialDatabases")))
        .anyMatch(s -> s.contains("trial_databases"));
    assertThat(platformSqlIn(platform.get("com.taskifai.registry.AuditLog")))
        .anyMatch(s -> s.startsWith("INSERT INTO audit_log"));
  }

  private static ArchCondition<JavaClass> holdNoSqlOnPlatformTables() {
    return new ArchCondition<>("hold no SQL on a platform table") {
      @Override
      public void check(JavaClass javaClass, ConditionEvents events) {
        for (String sql : platformSqlIn(javaClass)) {
          events.add(
              SimpleConditionEvent.violated(
                  javaClass,
                  javaClass.getName() + " holds SQL on a platform table: " + oneLine(sql)));
        }
      }
    };
  }

  private static String oneLine(String sql) {
    String flat = sql.replaceAll("\\s+", " ").strip();
    return flat.length() > 160 ? flat.substring(0, 160) + "…" : flat;
  }

  /** The class's constants that name a platform table after an SQL keyword. */
  private static List<String> platformSqlIn(JavaClass javaClass) {
    List<String> found = new ArrayList<>();
    for (String constant : constants(javaClass)) {
      if (platformSql.matcher(constant).find()) {
        found.add(constant);
      }
    }
    return found;
  }

  /**
   * The UTF-8 entries of the class file's constant pool: its string literals and text blocks, the
   * constant parts of string concatenations (the recipes of {@code StringConcatFactory}) and the
   * names the class uses.
   */
  private static List<String> constants(JavaClass javaClass) {
    var source =
        javaClass
            .getSource()
            .orElseThrow(() -> new IllegalStateException("no class file: " + javaClass));
    try (DataInputStream in = new DataInputStream(source.getUri().toURL().openStream())) {
      if (in.readInt() != 0xCAFEBABE) {
        throw new IllegalStateException("not a class file: " + source.getUri());
      }
      in.readUnsignedShort(); // minor version
      in.readUnsignedShort(); // major version
      int count = in.readUnsignedShort();
      List<String> utf8 = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8.add(in.readUTF());
          case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
          case 15 -> in.skipNBytes(3);
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
          case 5, 6 -> {
            in.skipNBytes(8);
            i++; // a long or double takes two entries
          }
          default ->
              throw new IllegalStateException(
                  "constant pool tag " + tag + " unknown in " + source.getUri());
        }
      }
      return utf8;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
