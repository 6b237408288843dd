package com.taskifai.activities.mail;

import java.util.Locale;
import java.util.Map;

/**
 * How the platform reaches its SMTP server: host and port, transport security and login.
 *
 * @param host SMTP server host ({@code TASKIFAI_SMTP_HOST})
 * @param port SMTP server port ({@code TASKIFAI_SMTP_PORT})
 * @param security {@code TASKIFAI_SMTP_TLS}: {@code none}, {@code starttls} (required, not
 *     opportunistic) or {@code smtps} (TLS from the first byte)
 * @param username {@code TASKIFAI_SMTP_USERNAME}; empty for no authentication
 * @param password {@code TASKIFAI_SMTP_PASSWORD}
 * @param trust {@code TASKIFAI_SMTP_SSL_TRUST}: hosts whose certificate is trusted without a CA
 *     chain (Jakarta Mail's {@code mail.smtp.ssl.trust}, such as a relay's self-signed name); empty
 *     for the JDK's trust store
 */
public record SmtpSettings(
    String host, int port, Security security, String username, String password, String trust) {

  /** Transport security of the SMTP connection. */
  public enum Security {
    NONE,
    STARTTLS,
    SMTPS
  }

  public SmtpSettings {
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("TASKIFAI_SMTP_PORT must be a port number");
    }
    username = username == null ? "" : username;
    password = password == null ? "" : password;
    trust = trust == null ? "" : trust;
  }

  /** Plain SMTP without login (the embedded and dev servers). */
  public static SmtpSettings plain(String host, int port) {
    return new SmtpSettings(host, port, Security.NONE, "", "", "");
  }

  /** The security and login keys of the environment, on the given host and port. */
  public static SmtpSettings fromEnvironment(Map<String, String> env, String host, int port) {
    String tls = env.getOrDefault("TASKIFAI_SMTP_TLS", "");
    Security security;
    try {
      security =
          tls.isBlank() ? Security.NONE : Security.valueOf(tls.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "TASKIFAI_SMTP_TLS must be none, starttls or smtps, not '" + tls + "'");
    }
    return new SmtpSettings(
        host,
        port,
        security,
        env.get("TASKIFAI_SMTP_USERNAME"),
        env.get("TASKIFAI_SMTP_PASSWORD"),
        env.get("TASKIFAI_SMTP_SSL_TRUST"));
  }

  /** True when a login is configured. */
  public boolean authenticated() {
    return !username.isBlank();
  }

  @Override
  public String toString() {
    // Never the password.
    return "SmtpSettings[" + host + ":" + port + ", " + security + ", user=" + username + "]";
  }
}
