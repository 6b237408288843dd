package com.taskifai.activities;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the provisioning activities need besides the platform, mail and DNS settings.
 *
 * @param mailFrom the sender of every mail
 * @param templateFastPath create tenant databases from a migrated template database
 * @param setPasswordTokenLifetime how long the welcome mail's set-password link works
 * @param defaultRegion region of a tenant whose request names none
 * @param adminConnectionTimeout how long a database step waits for an admin session on a tenant's
 *     server (one that does not answer, a database that is gone) before the step fails
 */
@ConfigurationProperties("taskifai")
public record ProvisioningSettings(
    @DefaultValue("TaskifAI <no-reply@taskifai.localhost>") String mailFrom,
    @DefaultValue("true") boolean templateFastPath,
    @DefaultValue("PT72H") Duration setPasswordTokenLifetime,
    @DefaultValue("local") String defaultRegion,
    @DefaultValue("PT10S") Duration adminConnectionTimeout) {

  public ProvisioningSettings withTemplateFastPath(boolean on) {
    return new ProvisioningSettings(
        mailFrom, on, setPasswordTokenLifetime, defaultRegion, adminConnectionTimeout);
  }

  public ProvisioningSettings withAdminConnectionTimeout(Duration timeout) {
    return new ProvisioningSettings(
        mailFrom, templateFastPath, setPasswordTokenLifetime, defaultRegion, timeout);
  }
}
