package com.taskifai.workflows.testing;

import com.google.protobuf.Message;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.util.ArrayList;
import java.util.List;

/**
 * A workflow history as text for secret scans. The JSON form keeps payloads in base64, so a search
 * of it alone would prove nothing: this adds each event as protobuf text and every payload decoded.
 */
public final class HistoryText {
  private HistoryText() {}

  /** The history as JSON, each event as protobuf text, and every payload decoded as UTF-8. */
  public static String of(WorkflowExecutionHistory history) {
    StringBuilder text = new StringBuilder(history.toJson(true));
    for (HistoryEvent event : history.getEvents()) {
      text.append('\n').append(event);
      payloads(event).forEach(p -> text.append('\n').append(p));
    }
    return text.toString();
  }

  /** Every payload anywhere inside a message (a history event, say), decoded as UTF-8. */
  public static List<String> payloads(Message message) {
    List<String> out = new ArrayList<>();
    collect(message, out);
    return out;
  }

  private static void collect(Message message, List<String> out) {
    if (message instanceof Payload payload) {
      out.add(payload.getData().toStringUtf8());
      return;
    }
    message
        .getAllFields()
        .forEach(
            (field, value) -> {
              if (value instanceof Message child) {
                collect(child, out);
              } else if (value instanceof List<?> list) {
                list.stream()
                    .filter(Message.class::isInstance)
                    .forEach(item -> collect((Message) item, out));
              }
            });
  }
}
