package com.taskifai.registry.settings;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings every process of the platform shares.
 *
 * @param baseDomain tenants live at {@code <subdomain>.<baseDomain>}
 * @param masterKeys the master keys ({@code id:base64key,...}, newest first); empty to read {@code
 *     masterKeysFile}
 * @param masterKeysFile file of the master keys when {@code masterKeys} is empty
 * @param adminUrl where the admin API answers; verification links point here
 * @param routerUrl where the routing runtime answers; its scheme and port go into tenant links
 * @param faultInjection dev switch: workflows may name a step to fail (never in production)
 * @param pgBin folder of pg_dump and pg_restore; empty to search PATH
 */
@ConfigurationProperties("taskifai")
public record PlatformSettings(
    @DefaultValue("localhost") String baseDomain,
    @DefaultValue("") String masterKeys,
    @DefaultValue(".taskifai/master.keys") String masterKeysFile,
    @DefaultValue("http://localhost:8080") String adminUrl,
    @DefaultValue("http://localhost:8081") String routerUrl,
    @DefaultValue("false") boolean faultInjection,
    @DefaultValue("") String pgBin) {

  public PlatformSettings {
    adminUrl = stripSlash(adminUrl);
    routerUrl = stripSlash(routerUrl);
  }

  private static String stripSlash(String url) {
    return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public String toString() {
    // Never the master keys.
    return "PlatformSettings[" + baseDomain + ", " + adminUrl + ", " + routerUrl + "]";
  }
}
