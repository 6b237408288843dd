package com.taskifai.api.dev;

import com.taskifai.api.ApiException;
import com.taskifai.api.auth.FreshMfa;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Dev only: the mail the embedded SMTP server received, newest first. It holds every verification
 * and set-password link, so reading it needs a fresh one-time code like any change.
 */
@RestController
class OutboxController {
  private final ObjectProvider<MailOutbox> outbox;
  private final FreshMfa freshMfa;

  OutboxController(ObjectProvider<MailOutbox> outbox, FreshMfa freshMfa) {
    this.outbox = outbox;
    this.freshMfa = freshMfa;
  }

  @GetMapping("/admin/outbox")
  Map<String, Object> messages(@AuthenticationPrincipal Jwt jwt) {
    freshMfa.require(jwt);
    MailOutbox box = outbox.getIfAvailable();
    if (box == null) {
      throw ApiException.notFound("there is no dev outbox: mail goes to a real SMTP server");
    }
    List<OutboxMessage> all = new java.util.ArrayList<>(box.messages());
    java.util.Collections.reverse(all);
    return Map.of("messages", all);
  }
}
