package com.taskifai.activities.mail;

import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Sends multipart (text and HTML) mail through one SMTP server with Jakarta Mail (Angus Mail),
 * optionally over STARTTLS or SMTPS and with a login ({@link SmtpSettings}).
 */
public final class SmtpMailer {
  private final Session session;
  private final String from;

  public SmtpMailer(String host, int port, String from) {
    this(SmtpSettings.plain(host, port), from);
  }

  public SmtpMailer(SmtpSettings smtp, String from) {
    Properties props = new Properties();
    props.put("mail.smtp.host", smtp.host());
    props.put("mail.smtp.port", String.valueOf(smtp.port()));
    props.put("mail.smtp.connectiontimeout", "10000");
    props.put("mail.smtp.timeout", "10000");
    props.put("mail.smtp.writetimeout", "10000");
    switch (smtp.security()) {
      case STARTTLS -> {
        props.put("mail.smtp.starttls.enable", "true");
        // Required: a server (or a man in the middle) that offers no STARTTLS gets no mail.
        props.put("mail.smtp.starttls.required", "true");
      }
      case SMTPS -> props.put("mail.smtp.ssl.enable", "true");
      case NONE -> {}
    }
    if (smtp.trust().isBlank()) {
      // The JDK's trust store and the host name in the certificate.
      props.put("mail.smtp.ssl.checkserveridentity", "true");
    } else {
      // Hosts the operator trusts by name, whatever their certificate (a self-signed relay).
      props.put("mail.smtp.ssl.trust", smtp.trust());
      props.put("mail.smtp.ssl.checkserveridentity", "false");
    }
    Authenticator login = null;
    if (smtp.authenticated()) {
      props.put("mail.smtp.auth", "true");
      PasswordAuthentication credentials =
          new PasswordAuthentication(smtp.username(), smtp.password());
      login =
          new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
              return credentials;
            }
          };
    }
    this.session = Session.getInstance(props, login);
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
