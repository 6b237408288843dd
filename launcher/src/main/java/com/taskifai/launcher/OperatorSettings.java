package com.taskifai.launcher;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the operator's commands read besides the platform database ({@link
 * com.taskifai.registry.settings.DbSettings}) and the default region ({@link
 * com.taskifai.activities.ProvisioningSettings}). Nothing here has a default: a command that needs
 * a value refuses, naming its environment variable, when it is unset.
 *
 * @param db the owner of the platform database
 * @param admin the platform admin that {@code init} and {@code admins add} create
 * @param server the database server that {@code servers add} registers
 */
@ConfigurationProperties("taskifai")
public record OperatorSettings(
    @DefaultValue DbOwner db, @DefaultValue NewAdmin admin, @DefaultValue NewServer server) {

  /**
   * @param admin the owner role of the platform database (runs the migrations, removes admins)
   */
  public record DbOwner(@DefaultValue Role admin) {}

  /**
   * @param user name of the role
   * @param password password of the role
   */
  public record Role(String user, String password) {
    @Override
    public String toString() {
      return "Role[" + user + "]";
    }
  }

  /**
   * @param email e-mail of the platform admin to create
   * @param password password of the platform admin to create
   */
  public record NewAdmin(String email, String password) {
    @Override
    public String toString() {
      return "NewAdmin[" + email + "]";
    }
  }

  /**
   * @param admin the new database server's admin role; only its password is read here (stored
   *     encrypted), the name comes from {@code --admin-user}
   */
  public record NewServer(@DefaultValue ServerAdmin admin) {}

  /**
   * @param password the new database server's admin password
   */
  public record ServerAdmin(String password) {
    @Override
    public String toString() {
      return "ServerAdmin[***]";
    }
  }
}
