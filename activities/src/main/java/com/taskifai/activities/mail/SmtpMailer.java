package com.taskifai.activities.mail;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** Sends multipart (text and HTML) mail through one SMTP server with Jakarta Mail. */
public final class SmtpMailer {
  private final Session session;
  private final String from;

  public SmtpMailer(String host, int port, String from) {
    Properties props = new Properties();
    props.put("mail.smtp.host", host);
    props.put("mail.smtp.port", String.valueOf(port));
    props.put("mail.smtp.connectiontimeout", "10000");
    props.put("mail.smtp.timeout", "10000");
    props.put("mail.smtp.writetimeout", "10000");
    this.session = Session.getInstance(props);
    this.from = from;
  }

  /** Sends one mail; a failure of the SMTP server surfaces as {@link MessagingException}. */
  public void send(String to, String subject, String text, String html) throws MessagingException {
    MimeMessage message = new MimeMessage(session);
    message.setFrom(new InternetAddress(from));
    message.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to, true));
    message.setSubject(subject, StandardCharsets.UTF_8.name());
    MimeBodyPart textPart = new MimeBodyPart();
    textPart.setText(text, StandardCharsets.UTF_8.name(), "plain");
    MimeBodyPart htmlPart = new MimeBodyPart();
    htmlPart.setText(html, StandardCharsets.UTF_8.name(), "html");
    MimeMultipart body = new MimeMultipart("alternative", textPart, htmlPart);
    message.setContent(body);
    message.saveChanges();
    Transport.send(message);
  }
}
