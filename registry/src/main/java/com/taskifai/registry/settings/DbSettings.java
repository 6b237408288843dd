package com.taskifai.registry.settings;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The platform database (the registry), reached as the platform role.
 *
 * @param url JDBC URL of the platform database
 * @param username the platform role (environment: {@code TASKIFAI_DB_USER}, an alias)
 * @param password the platform role's password
 */
@ConfigurationProperties("taskifai.db")
public record DbSettings(
    @DefaultValue("jdbc:postgresql://127.0.0.1:5432/taskifai") String url,
    @DefaultValue("taskifai_platform") String username,
    @DefaultValue("") String password) {

  @Override
  public String toString() {
    return "DbSettings[" + url + ", user=" + username + "]";
  }
}
