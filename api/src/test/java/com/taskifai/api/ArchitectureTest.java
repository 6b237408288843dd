package com.taskifai.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.taskifai.workflows.WorkflowIds;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The two rules of the admin API's one entry point to Temporal, checked on the compiled classes so
 * they stay true: requests reach Temporal only through {@code com.taskifai.api.temporal} (whose
 * calls all run under one deadline, so Temporal down is a 503 for every endpoint), and workflow ids
 * are built only in {@link WorkflowIds} (they are public contracts).
 */
class ArchitectureTest {
  private static final String[] TEMPORAL = {"io.temporal..", "io.grpc.."};
  private static final java.util.regex.Pattern TEST_JAR =
      java.util.regex.Pattern.compile(".*-tests\\.jar!/.*");

  private static JavaClasses classes;

  @BeforeAll
  static void importPlatform() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The platform's modules are jars in a packaging build (verify) and folders in a
            // test build: both count; other modules' test-jars do not.
            .withImportOption(location -> !location.matches(TEST_JAR))
            .importPackages("com.taskifai");
  }

  @Test
  void noControllerOrErrorMappingTouchesTemporal() {
    noClasses()
        .that()
        .areAnnotatedWith(RestController.class)
        .or()
        .areAnnotatedWith(Controller.class)
        .or()
        .areAnnotatedWith(RestControllerAdvice.class)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(TEMPORAL)
        .because(
            "a controller calls a facade of com.taskifai.api.temporal, which owns the deadline")
        .check(classes);
  }

  @Test
  void onlyTheEntryPointAndTheStartupWiringOfTheApiTouchTemporal() {
    noClasses()
        .that()
        .resideInAPackage("com.taskifai.api..")
        .and()
        .resideOutsideOfPackages("com.taskifai.api.temporal..", "com.taskifai.api.scheduling..")
        // The composition root builds the client; the health indicator probes the server itself.
        .and()
        .haveNameNotMatching(named("PlatformConfiguration", "health.TemporalHealthIndicator"))
        // Started once when the API starts, outside any request.
        .and()
        .haveNameNotMatching(
            named(
                "costs.CostSampling",
                "reconcile.ReconcileScheduling",
                "tenants.SearchAttributeRegistration"))
        // Reads a history the entry point fetched; makes no call of its own.
        .and()
        .haveNameNotMatching(named("tenants.WorkflowTimeline"))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(TEMPORAL)
        .because("every request's call to Temporal runs under TemporalCalls' deadline")
        .check(classes);
  }

  @Test
  void workflowIdsAreBuiltOnlyInWorkflowIds() {
    methods()
        .that()
        .haveNameMatching("(?i).*(workflowid|idprefix|scheduleid)")
        // The builders, not the accessors of records that carry an id.
        .and()
        .areStatic()
        .and()
        .haveRawReturnType(String.class)
        .and()
        .areDeclaredInClassesThat()
        .resideInAPackage("com.taskifai..")
        .and()
        .areDeclaredInClassesThat()
        .doNotBelongToAnyOf(WorkflowIds.class)
        .should(delegateToWorkflowIds())
        .allowEmptyShould(false)
        .check(classes);
  }

  @Test
  void noClassOutsideWorkflowIdsPutsAnIdTogetherFromItsPrefix() {
    noClasses()
        .that()
        .doNotBelongToAnyOf(WorkflowIds.class, WorkflowIds.Kind.class)
        .should()
        .callMethod(WorkflowIds.Kind.class, "prefix")
        .because("an id or id prefix has a method of its own in WorkflowIds")
        .check(classes);
  }

  /** A pattern for these api classes (and their nested classes). */
  private static String named(String... classes) {
    return "com\\.taskifai\\.api\\.(" + String.join("|", classes).replace(".", "\\.") + ")(\\$.*)?";
  }

  private static ArchCondition<JavaMethod> delegateToWorkflowIds() {
    return new ArchCondition<>("build the id by calling WorkflowIds") {
      @Override
      public void check(JavaMethod method, ConditionEvents events) {
        boolean delegates =
            method.getMethodCallsFromSelf().stream()
                .anyMatch(call -> call.getTargetOwner().isEquivalentTo(WorkflowIds.class));
        if (!delegates) {
          events.add(
              SimpleConditionEvent.violated(
                  method, method.getFullName() + " builds a workflow id without WorkflowIds"));
        }
      }
    };
  }
}
