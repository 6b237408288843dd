package com.taskifai.api.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.workflows.reconcile.ReconcileFleetWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One periodic mechanism, chosen at start: a Temporal Schedule on a real server (the Temporal CLI's
 * dev server, skipped where it is not installed), the timer-loop workflow on the in-process test
 * server, which has no schedules.
 */
class ReconcileSchedulingTest {
  private static final ReconcileSettings AUTO =
      new ReconcileSettings(Duration.ofMinutes(30), "auto", Duration.ofMinutes(1));

  @Test
  void theInProcessServerGetsTheTimerLoopOnce() {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkflowClient client = env.getWorkflowClient();
      ReconcileScheduling scheduling = new ReconcileScheduling(client, AUTO);

      assertThat(scheduling.arrange()).isEqualTo("timer");
      assertThat(new ReconcileScheduling(client, AUTO).arrange()).isEqualTo("timer");

      assertThat(
              client
                  .newUntypedWorkflowStub(ReconcileFleetWorkflow.LOOP_WORKFLOW_ID)
                  .describe()
                  .getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    }
  }

  @Test
  void offArrangesNothing() {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      ReconcileScheduling off =
          new ReconcileScheduling(
              env.getWorkflowClient(),
              new ReconcileSettings(Duration.ofMinutes(30), "off", Duration.ofMinutes(1)));
      off.onReady();
      assertThat(off.chosen()).isEqualTo("none");
    }
  }

  @Test
  void aRealServerGetsATemporalSchedule() throws Exception {
    Optional<Path> cli = temporalCli();
    Assumptions.assumeTrue(cli.isPresent(), "the Temporal CLI is not installed");
    int port = freePort();
    Path log = Files.createTempFile("temporal-schedule-test", ".log");
    Process server =
        new ProcessBuilder(
                cli.get().toString(),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--ui-port",
                Integer.toString(freePort()),
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    WorkflowServiceStubs stubs = null;
    try {
      awaitListening(server, port);
      stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      WorkflowClient client = WorkflowClient.newInstance(stubs);

      assertThat(new ReconcileScheduling(client, AUTO).arrange()).isEqualTo("schedule");
      // A second start finds the schedule and keeps it.
      assertThat(new ReconcileScheduling(client, AUTO).arrange()).isEqualTo("schedule");

      ScheduleDescription schedule =
          ScheduleClient.newInstance(stubs)
              .getHandle(ReconcileFleetWorkflow.SCHEDULE_ID)
              .describe();
      assertThat(schedule.getSchedule().getSpec().getIntervals())
          .extracting(ScheduleIntervalSpec::getEvery)
          .containsExactly(Duration.ofMinutes(30));
      // No timer loop beside it.
      assertThat(
              client
                  .getWorkflowServiceStubs()
                  .blockingStub()
                  .listWorkflowExecutions(
                      io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest.newBuilder()
                          .setNamespace("default")
                          .setQuery(
                              "WorkflowId = '" + ReconcileFleetWorkflow.LOOP_WORKFLOW_ID + "'")
                          .build())
                  .getExecutionsList())
          .isEmpty();
    } finally {
      if (stubs != null) {
        stubs.shutdown();
      }
      List<ProcessHandle> tree =
          Stream.concat(server.descendants(), Stream.of(server.toHandle())).toList();
      tree.forEach(ProcessHandle::destroy);
      server.waitFor(10, TimeUnit.SECONDS);
      tree.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static Optional<Path> temporalCli() {
    Stream<Path> dirs =
        Stream.concat(
            Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(s -> !s.isBlank())
                .map(Path::of),
            Stream.of(Path.of(System.getProperty("user.home"), "go", "bin")));
    return dirs.map(d -> d.resolve("temporal")).filter(Files::isExecutable).findFirst();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void awaitListening(Process server, int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("the Temporal CLI dev server exited");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the Temporal CLI dev server did not listen within 60 s");
  }
}
