package com.taskifai.api;

import com.taskifai.web.MalformedRequests;
import com.taskifai.web.OpenApiConventions;
import com.taskifai.web.OpenHealth;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.PropertySource;

/**
 * The admin API and portal: starts, signals and queries the tenant workflows, and serves the
 * portal's static pages. Runs on its own or as one context of the launcher.
 */
@Import({
  OpenHealth.class,
  MalformedRequests.class,
  OpenApiConventions.class,
  com.taskifai.web.RequestTracing.class
})
@SpringBootApplication
@PropertySource("classpath:admin-api.properties")
public class AdminApiApplication {
  public static void main(String[] args) {
    SpringApplication.run(AdminApiApplication.class, args);
  }
}
