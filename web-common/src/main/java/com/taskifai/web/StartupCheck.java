package com.taskifai.web;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * A check of the settings that runs before any other bean is made, so that an app refuses to start
 * on a bad configuration before it opens a pool or a port. Subclasses are {@code @Component}s.
 */
public abstract class StartupCheck implements BeanFactoryPostProcessor, EnvironmentAware {
  private Environment environment;

  @Override
  public final void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public final void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    check(environment);
  }

  /** Throws when the settings must stop the app from starting. */
  protected abstract void check(Environment environment);
}
