package com.taskifai.worker;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The worker process's own settings (the activities bind theirs).
 *
 * @param worker the worker's health endpoints
 * @param temporal how the worker treats its Temporal server
 */
@ConfigurationProperties("taskifai")
public record WorkerSettings(@DefaultValue Worker worker, @DefaultValue Temporal temporal) {

  /**
   * @param managementPort port of the worker's health endpoints
   */
  public record Worker(@DefaultValue("8082") int managementPort) {}

  /**
   * @param embedded true when the target is the SDK's in-process test server
   */
  public record Temporal(@DefaultValue("false") boolean embedded) {}
}
