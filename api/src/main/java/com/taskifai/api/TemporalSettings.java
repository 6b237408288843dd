package com.taskifai.api;

import com.taskifai.workflows.client.TemporalConnection;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the admin API reaches Temporal (TLS and API key: {@link TemporalConnection}).
 *
 * @param target host:port of the Temporal frontend
 * @param namespace the Temporal namespace
 * @param uiUrl Temporal UI's base URL; empty when there is none
 * @param callTimeout how long one call to Temporal may take, retries included, before the API
 *     answers 503
 * @param searchAttributes whether workflows carry the TenantId and Subdomain search attributes
 */
@ConfigurationProperties("taskifai.temporal")
public record TemporalSettings(
    @DefaultValue(TemporalConnection.DEFAULT_TARGET) String target,
    @DefaultValue(TemporalConnection.DEFAULT_NAMESPACE) String namespace,
    @DefaultValue("") String uiUrl,
    @DefaultValue("PT3S") Duration callTimeout,
    @DefaultValue("false") boolean searchAttributes) {

  public TemporalSettings {
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("taskifai.temporal.call-timeout must be positive");
    }
  }
}
