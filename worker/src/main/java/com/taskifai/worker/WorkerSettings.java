package com.taskifai.worker;

import java.time.Duration;
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
   * @param managementAddress the address the health endpoints bind; unset for every interface
   * @param heartbeatTimeout unset (the default) in production; when set, the longest heartbeat
   *     timeout an activity this worker's workflows schedule gets ({@code
   *     com.taskifai.workflows.HeartbeatTimeoutCap}): tests that kill a worker set it so that the
   *     killed step is retried within seconds
   */
  public record Worker(
      @DefaultValue("8082") int managementPort,
      String managementAddress,
      Duration heartbeatTimeout) {}

  /**
   * @param embedded true when the target is the SDK's in-process test server
   */
  public record Temporal(@DefaultValue("false") boolean embedded) {}
}
