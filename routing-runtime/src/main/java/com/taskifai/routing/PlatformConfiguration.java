package com.taskifai.routing;

import com.taskifai.registry.RegistryRepositories;
import com.taskifai.registry.RouterBudgetClaims;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The platform database, the registry repositories on it (those the admin API uses too come from
 * {@link RegistryRepositories}), the credential cipher and the subdomain rules.
 */
@Configuration(proxyBeanMethods = false)
@Import(RegistryRepositories.class)
class PlatformConfiguration {

  @Bean(destroyMethod = "close")
  HikariDataSource platformDataSource(RoutingSettings settings) {
    HikariConfig c = new HikariConfig();
    c.setPoolName("router-platform");
    c.setJdbcUrl(settings.dbUrl);
    c.setUsername(settings.dbUsername);
    c.setPassword(settings.dbPassword);
    c.setMaximumPoolSize(5);
    c.setMinimumIdle(1);
    // Start even when the registry is down for a moment; requests answer 503 until it is back.
    c.setInitializationFailTimeout(-1);
    // While the registry is down an uncached lookup waits this long, then answers 503; tenants in
    // the cache are served without it.
    c.setConnectionTimeout(2_000);
    c.setValidationTimeout(1_000);
    return new HikariDataSource(c);
  }

  @Bean
  RouterBudgetClaims routerBudgetClaims(DataSource platformDataSource) {
    return new RouterBudgetClaims(platformDataSource);
  }

  @Bean
  com.taskifai.registry.crypto.ExportLinks exportLinks(CredentialCipher cipher) {
    return com.taskifai.registry.crypto.ExportLinks.of(cipher);
  }

  @Bean
  CredentialCipher credentialCipher(RoutingSettings settings) {
    // Never generates a key: the router must use the keys the platform encrypted credentials with.
    return new CredentialCipher(KeyRing.from(settings.masterKeys, settings.masterKeysFile, false));
  }

  @Bean
  SubdomainRules subdomainRules(RoutingSettings settings) {
    return new SubdomainRules(settings.baseDomain);
  }
}
