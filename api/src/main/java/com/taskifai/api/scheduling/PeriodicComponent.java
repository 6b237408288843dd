package com.taskifai.api.scheduling;

import io.temporal.client.WorkflowClient;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * A component whose workflow runs periodically ({@link PeriodicWorkflow}), arranged in the
 * background once the application is ready.
 */
public abstract class PeriodicComponent {
  private final PeriodicWorkflow periodic;

  protected PeriodicComponent(
      WorkflowClient client,
      PeriodicWorkflow.Mechanism mechanism,
      PeriodicWorkflow.Definition definition) {
    this.periodic = new PeriodicWorkflow(client, mechanism, definition);
  }

  @EventListener(ApplicationReadyEvent.class)
  public void onReady() {
    periodic.arrangeInBackground();
  }

  /** Arranges the periodic runs; returns the mechanism used: schedule, timer or none. */
  public String arrange() {
    return periodic.arrange();
  }

  /** The mechanism chosen at start: schedule, timer or none. */
  public String chosen() {
    return periodic.chosen();
  }
}
