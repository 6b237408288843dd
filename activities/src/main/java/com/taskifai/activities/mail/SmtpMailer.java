package com.taskifai.activities.mail;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
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
 * optionally over STARTTLS or SMTPS and with a login ({@link SmtpSettings}). Each send is a client
 * span ({@code smtp send}) when traces are on, holding the server and the recipient's domain only:
 * never the address, the subject or the body, which carries the verification link.
 */
public final class SmtpMailer {
  private final Session session;
  private final String from;
  private final Tracer tracer;
  private final String host;
  private final long port;

  public SmtpMailer(String host, int port, String from) {
    this(SmtpSettings.plain(host, port), from);
  }

  public SmtpMailer(SmtpSettings smtp, String from) {
    this(smtp, from, OpenTelemetry.noop());
  }

  /** As above, each send a span of {@code tracing} (the no-op one when traces are off). */
  public SmtpMailer(SmtpSettings smtp, String from, OpenTelemetry tracing) {
    this.tracer = tracing.getTracer("com.taskifai.activities.mail");
    this.host = smtp.host();
    this.port = smtp.port();
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
    Span span =
        tracer
            .spanBuilder("smtp send")
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("network.protocol.name", "smtp")
            .setAttribute("server.address", host)
            .setAttribute("server.port", port)
            .setAttribute("mail.recipient.domain", domainOf(to))
            .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      Transport.send(message);
    } catch (MessagingException | RuntimeException e) {
      // The type only: a refusal's message can quote the address.
      span.setStatus(StatusCode.ERROR);
      span.setAttribute("error.type", e.getClass().getName());
      throw e;
    } finally {
      span.end();
    }
  }

  /** The part after the last {@code @} of the (first) address, lower case; empty when none. */
  static String domainOf(String to) {
    String first = to.split(",", 2)[0].strip();
    int gt = first.lastIndexOf('>');
    if (gt > 0) {
      first = first.substring(0, gt);
    }
    int at = first.lastIndexOf('@');
    return at < 0 ? "" : first.substring(at + 1).strip().toLowerCase(java.util.Locale.ROOT);
  }
}
