package com.taskifai.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.move.MoveTenantWorkflowImpl;
import com.taskifai.workflows.provisioning.ProvisionTenantWorkflowImpl;
import com.taskifai.workflows.testing.RecordedHistories;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.metadata.POJOWorkflowImplMetadata;
import io.temporal.common.metadata.POJOWorkflowMethodMetadata;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowHistoryLoader;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import io.temporal.workflow.WorkflowInterface;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every recorded history (src/test/resources/histories, written by the workflow tests with {@code
 * -Dtaskifai.recordHistories=true}, see {@link RecordedHistories}) replays with the current code,
 * so a change to a workflow's commands without {@code Workflow.getVersion} fails the build. Every
 * workflow implementation has at least one recorded history.
 */
class RecordedHistoriesReplayTest {

  private static final List<Class<?>> IMPLEMENTATIONS = workflowImplementations();

  static Stream<String> histories() throws Exception {
    Path folder =
        Path.of(
            RecordedHistoriesReplayTest.class.getResource("/" + RecordedHistories.FOLDER).toURI());
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".json"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void aRecordedHistoryReplaysWithTheCurrentCode(String file) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(
        load(file),
        IMPLEMENTATIONS.get(0),
        IMPLEMENTATIONS.subList(1, IMPLEMENTATIONS.size()).toArray(Class<?>[]::new));
  }

  @Test
  void everyRecordedHistoryReplaysOnAWorkerThatCapsHeartbeatTimeouts() throws Exception {
    // The cap changes an attribute of ScheduleActivityTask commands, which replay does not compare.
    try (TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new HeartbeatTimeoutCap(Duration.ofSeconds(5)))
                        .build())
                .build())) {
      // A loaded machine loads classes slowly: the deadlock detector is no concern of this test.
      Worker worker =
          env.newWorker(
              "replay-with-heartbeat-cap",
              WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(30_000).build());
      worker.registerWorkflowImplementationTypes(IMPLEMENTATIONS.toArray(Class<?>[]::new));
      for (String file : histories().toList()) {
        WorkflowReplayer.replayWorkflowExecution(load(file), worker);
      }
    }
  }

  @Test
  void everyWorkflowImplementationHasARecordedHistory() throws Exception {
    assertThat(IMPLEMENTATIONS)
        .contains(ProvisionTenantWorkflowImpl.class, MoveTenantWorkflowImpl.class);
    Set<String> recorded =
        histories()
            .map(f -> load(f).getEvents().get(0))
            .map(e -> e.getWorkflowExecutionStartedEventAttributes().getWorkflowType().getName())
            .collect(Collectors.toSet());
    List<String> missing =
        IMPLEMENTATIONS.stream()
            .filter(impl -> !recorded.contains(workflowType(impl)))
            .map(impl -> workflowType(impl) + " (" + impl.getSimpleName() + ")")
            .toList();

    assertThat(missing).as("workflows without a recorded history").isEmpty();
  }

  private static WorkflowExecutionHistory load(String file) {
    try {
      return WorkflowHistoryLoader.readHistoryFromResource(RecordedHistories.FOLDER + "/" + file);
    } catch (Exception e) {
      throw new IllegalStateException(file + ": " + e.getMessage(), e);
    }
  }

  private static String workflowType(Class<?> impl) {
    return POJOWorkflowImplMetadata.newInstance(impl).getWorkflowMethods().stream()
        .map(POJOWorkflowMethodMetadata::getName)
        .findFirst()
        .orElseThrow();
  }

  /** Every class of this module's main code that implements a workflow interface. */
  private static List<Class<?>> workflowImplementations() {
    try {
      Path classes =
          Path.of(
              ProvisionTenantWorkflowImpl.class
                  .getProtectionDomain()
                  .getCodeSource()
                  .getLocation()
                  .toURI());
      try (Stream<Path> files = Files.walk(classes)) {
        return files
            .map(f -> classes.relativize(f).toString())
            .filter(f -> f.endsWith(".class") && !f.contains("$"))
            .sorted()
            .map(RecordedHistoriesReplayTest::load0)
            .filter(RecordedHistoriesReplayTest::isWorkflowImplementation)
            .toList();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Class<?> load0(String classFile) {
    String name = classFile.substring(0, classFile.length() - ".class".length());
    try {
      return Class.forName(name.replace('/', '.').replace('\\', '.'));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isWorkflowImplementation(Class<?> type) {
    return !type.isInterface()
        && !Modifier.isAbstract(type.getModifiers())
        && Arrays.stream(type.getInterfaces())
            .anyMatch(i -> i.isAnnotationPresent(WorkflowInterface.class));
  }
}
