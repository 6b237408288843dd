package com.taskifai.api.tenants;

import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.SupabaseSettings;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The database provider of new tenants and the Supabase account the API checks it against. The
 * workers read the same environment names ({@link SupabaseSettings#fromEnvironment}); {@link
 * #supabaseSettings()} hands the bound values to that same reader, so both agree on blanks,
 * defaults and the token file. {@link #toString()} never shows the access token.
 *
 * @param databaseProvider provider of a tenant whose {@code POST /admin/tenants} names none: {@code
 *     postgres} (our servers) or {@code supabase} (refused at start without a token and an
 *     organization)
 * @param supabase the Supabase Management API account
 */
@ConfigurationProperties("taskifai")
public record DatabaseProviderSettings(
    @DefaultValue("postgres") String databaseProvider, @DefaultValue Supabase supabase) {

  /**
   * The Supabase Management API account.
   *
   * @param accessToken Management API token (secret; the API uses it only for the {@code supabase}
   *     health component and the project status on the tenant detail)
   * @param accessTokenFile file holding the token, read when accessToken is empty
   * @param organization organization slug new projects go to
   */
  public record Supabase(
      @DefaultValue("") String accessToken,
      @DefaultValue("") String accessTokenFile,
      @DefaultValue("") String organization) {

    @Override
    public String toString() {
      // Never the token.
      return "Supabase[organization="
          + organization
          + ", token="
          + (accessToken.isBlank() ? "none" : "***")
          + ", tokenFile="
          + accessTokenFile
          + "]";
    }
  }

  public DatabaseProviderSettings {
    String provider = databaseProvider.isBlank() ? "postgres" : databaseProvider;
    try {
      DatabaseProvider.parse(provider);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "taskifai.database-provider (TASKIFAI_DATABASE_PROVIDER) must be postgres or supabase,"
              + " not '"
              + databaseProvider
              + "'");
    }
  }

  /**
   * The provider settings as the workers read them (the token file read, blanks unset); refuses
   * {@code supabase} as the default without a token and an organization.
   */
  public SupabaseSettings supabaseSettings() {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_DATABASE_PROVIDER", databaseProvider);
    env.put(SupabaseSettings.ENV_TOKEN, supabase.accessToken());
    env.put(SupabaseSettings.ENV_TOKEN + "_FILE", supabase.accessTokenFile());
    env.put("TASKIFAI_SUPABASE_ORGANIZATION", supabase.organization());
    return SupabaseSettings.fromEnvironment(env);
  }

  @Override
  public String toString() {
    return "DatabaseProviderSettings[databaseProvider=" + databaseProvider + ", " + supabase + "]";
  }
}
