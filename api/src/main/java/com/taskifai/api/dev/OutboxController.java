package com.taskifai.api.dev;

import com.taskifai.api.ApiException;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Dev only: the mail the embedded SMTP server received, newest first. */
@RestController
class OutboxController {
  private final ObjectProvider<MailOutbox> outbox;

  OutboxController(ObjectProvider<MailOutbox> outbox) {
    this.outbox = outbox;
  }

  @GetMapping("/admin/outbox")
  Map<String, Object> messages() {
    MailOutbox box = outbox.getIfAvailable();
    if (box == null) {
      throw ApiException.notFound("there is no dev outbox: mail goes to a real SMTP server");
    }
    List<OutboxMessage> all = new java.util.ArrayList<>(box.messages());
    java.util.Collections.reverse(all);
    return Map.of("messages", all);
  }
}
