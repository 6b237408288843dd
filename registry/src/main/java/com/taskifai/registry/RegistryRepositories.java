package com.taskifai.registry;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The registry repositories both web processes (the admin API and the router) work with, as beans
 * on the process's one platform DataSource (each repository's constructor takes it); each process's
 * own configuration imports them and adds the ones only it uses.
 */
@Configuration(proxyBeanMethods = false)
@Import({
  TenantRegistry.class,
  TenantOperations.class,
  TenantUsage.class,
  TenantExports.class,
  AuditLog.class
})
public class RegistryRepositories {}
