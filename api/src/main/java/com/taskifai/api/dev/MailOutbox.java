package com.taskifai.api.dev;

import java.util.List;

/**
 * The mail a dev platform's embedded SMTP server received. The launcher registers one (backed by
 * GreenMail); without it, {@code GET /admin/outbox} answers 404.
 */
public interface MailOutbox {
  /** Every message received, oldest first. */
  List<OutboxMessage> messages();
}
