package com.taskifai.api.tenants;

import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.SupabaseSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Which database provider a new tenant gets: the request's {@code provider}, else {@code
 * TASKIFAI_DATABASE_PROVIDER}. Supabase is offered only when the platform has a Management API
 * token and an organization (the workers read the same keys). The API keeps no token.
 */
@Component
class DatabaseProviderChoice {
  private final DatabaseProvider defaultProvider;
  private final boolean supabaseEnabled;

  DatabaseProviderChoice(
      @Value("${taskifai.database-provider:${TASKIFAI_DATABASE_PROVIDER:postgres}}")
          String defaultProvider,
      @Value("${taskifai.supabase.access-token:${TASKIFAI_SUPABASE_ACCESS_TOKEN:}}") String token,
      @Value("${taskifai.supabase.access-token-file:${TASKIFAI_SUPABASE_ACCESS_TOKEN_FILE:}}")
          String tokenFile,
      @Value("${taskifai.supabase.organization:${TASKIFAI_SUPABASE_ORGANIZATION:}}")
          String organization) {
    Map<String, String> env = new HashMap<>();
    env.put("TASKIFAI_DATABASE_PROVIDER", defaultProvider);
    env.put(SupabaseSettings.ENV_TOKEN, token);
    env.put(SupabaseSettings.ENV_TOKEN + "_FILE", tokenFile);
    env.put("TASKIFAI_SUPABASE_ORGANIZATION", organization);
    SupabaseSettings settings = SupabaseSettings.fromEnvironment(env);
    this.defaultProvider = settings.defaultProvider();
    this.supabaseEnabled = settings.enabled();
  }

  /** The provider for a request, or what is wrong with the requested one. */
  Optional<String> problem(String requested) {
    if (requested == null) {
      return Optional.empty();
    }
    DatabaseProvider p;
    try {
      p = DatabaseProvider.parse(requested);
    } catch (IllegalArgumentException e) {
      return Optional.of("must be 'postgres' or 'supabase'");
    }
    if (p == DatabaseProvider.SUPABASE && !supabaseEnabled) {
      return Optional.of(
          "supabase is not configured on this platform (TASKIFAI_SUPABASE_ACCESS_TOKEN and"
              + " TASKIFAI_SUPABASE_ORGANIZATION); use 'postgres'");
    }
    return Optional.empty();
  }

  /** The provider of a valid request. */
  DatabaseProvider choose(String requested) {
    return requested == null ? defaultProvider : DatabaseProvider.parse(requested);
  }

  /** The project's page in the Supabase dashboard. */
  static String dashboardUrl(String projectRef) {
    return projectRef == null ? null : "https://supabase.com/dashboard/project/" + projectRef;
  }
}
