package com.taskifai.launcher;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.taskifai.api.dev.MailOutbox;
import com.taskifai.api.dev.OutboxMessage;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The portal's dev outbox: every mail the embedded SMTP server received. */
public final class GreenMailOutbox implements MailOutbox {
  private final GreenMail greenMail;

  public GreenMailOutbox(GreenMail greenMail) {
    this.greenMail = greenMail;
  }

  @Override
  public List<OutboxMessage> messages() {
    List<OutboxMessage> out = new ArrayList<>();
    for (var message : greenMail.getReceivedMessages()) {
      try {
        String[] bodies = new String[2];
        collect(message, bodies);
        out.add(
            new OutboxMessage(
                String.join(", ", addresses(message)), message.getSubject(), bodies[0], bodies[1]));
      } catch (MessagingException | IOException e) {
        out.add(new OutboxMessage("?", "(unreadable message: " + e.getMessage() + ")", null, null));
      }
    }
    return out;
  }

  private static List<String> addresses(Message message) throws MessagingException {
    List<String> to = new ArrayList<>();
    var recipients = message.getRecipients(Message.RecipientType.TO);
    if (recipients != null) {
      for (var r : recipients) {
        to.add(r.toString());
      }
    }
    return to;
  }

  /** Finds the text/plain and text/html parts, however deeply nested. */
  private static void collect(Part part, String[] bodies) throws MessagingException, IOException {
    if (part.isMimeType("text/plain") && bodies[0] == null) {
      bodies[0] = part.getContent().toString();
    } else if (part.isMimeType("text/html") && bodies[1] == null) {
      bodies[1] = part.getContent().toString();
    } else if (part.isMimeType("multipart/*")) {
      Multipart mp = (Multipart) part.getContent();
      for (int i = 0; i < mp.getCount(); i++) {
        BodyPart bp = mp.getBodyPart(i);
        collect(bp, bodies);
      }
    } else if (bodies[0] == null) {
      bodies[0] = GreenMailUtil.getBody(part);
    }
  }
}
