package com.taskifai.routing;

import com.taskifai.web.MalformedRequests;
import com.taskifai.web.OpenApiConventions;
import com.taskifai.web.OpenHealth;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;

/**
 * The routing runtime: serves each tenant's API at {@code <subdomain>.<base domain>} from that
 * tenant's own database. Runs on its own or beside the admin API in one JVM (the launcher), so it
 * keeps no static state and switches off auto-configurations that other modules on a shared
 * classpath would bring (Spring Security, a Spring-managed DataSource, Flyway).
 */
@Import({
  OpenHealth.class,
  MalformedRequests.class,
  OpenApiConventions.class,
  com.taskifai.web.RequestTracing.class
})
@SpringBootApplication(
    excludeName = {
      "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
      "org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet.OAuth2ResourceServerAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.jdbc.autoconfigure.DataSourceInitializationAutoConfiguration",
      "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"
    })
@PropertySource("classpath:routing-runtime.properties")
public class RoutingRuntimeApplication {
  public static void main(String[] args) {
    SpringApplication.run(RoutingRuntimeApplication.class, args);
  }
}
