package com.taskifai.activities.mail;

import com.taskifai.registry.settings.Settings;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

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
@ConfigurationProperties("taskifai.smtp")
public record SmtpSettings(
    @DefaultValue("127.0.0.1") String host,
    @DefaultValue("3025") int port,
    @Name("tls") @DefaultValue("none") Security security,
    @DefaultValue("") String username,
    @DefaultValue("") String password,
    @Name("ssl-trust") @DefaultValue("") String trust) {

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
    security = security == null ? Security.NONE : security;
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
    SmtpSettings bound = Settings.of(env).bind(SmtpSettings.class);
    return new SmtpSettings(
        host, port, bound.security(), bound.username(), bound.password(), bound.trust());
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
