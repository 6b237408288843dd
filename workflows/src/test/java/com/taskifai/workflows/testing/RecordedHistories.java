package com.taskifai.workflows.testing;

import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorded workflow histories that {@code RecordedHistoriesReplayTest} replays with the current
 * code. A workflow test names one finished run of its workflow here; with {@code
 * -Dtaskifai.recordHistories=true} the run's history is written to {@code
 * src/test/resources/histories/<name>.json}, otherwise nothing happens. A history recorded before a
 * {@code Workflow.getVersion} change keeps its own name, so recording again never replaces it.
 */
public final class RecordedHistories {

  /** The folder of the recorded histories, on the test classpath. */
  public static final String FOLDER = "histories";

  private static final Path SOURCE = Path.of("src/test/resources", FOLDER);

  private RecordedHistories() {}

  /** True when this test run records histories ({@code -Dtaskifai.recordHistories=true}). */
  public static boolean recording() {
    return Boolean.getBoolean("taskifai.recordHistories");
  }

  /** Records the history of the finished workflow {@code workflowId} as {@code name}. */
  public static void record(WorkflowClient client, String workflowId, String name) {
    if (recording()) {
      record(client.fetchHistory(workflowId), name);
    }
  }

  /** Records {@code history} as {@code name}. */
  public static void record(WorkflowExecutionHistory history, String name) {
    if (!recording()) {
      return;
    }
    try {
      Files.createDirectories(SOURCE);
      Files.writeString(SOURCE.resolve(name + ".json"), history.toJson(true));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
