package com.taskifai.api.tenants;

import com.taskifai.registry.providers.DatabaseProvider;
import com.taskifai.registry.providers.SupabaseSettings;
import java.util.Optional;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * Which database provider a new tenant gets: the request's {@code provider}, else {@code
 * TASKIFAI_DATABASE_PROVIDER}. Supabase is offered only when the platform has a Management API
 * token and an organization (the workers read the same keys). The choice keeps no token.
 */
@Component
@EnableConfigurationProperties(DatabaseProviderSettings.class)
class DatabaseProviderChoice {
  private final DatabaseProvider defaultProvider;
  private final boolean supabaseEnabled;

  DatabaseProviderChoice(DatabaseProviderSettings bound) {
    SupabaseSettings settings = bound.supabaseSettings();
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
