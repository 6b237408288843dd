package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.ApiTestPlatform;
import io.temporal.serviceclient.WorkflowServiceStubs;
import org.junit.jupiter.api.Test;

/** Registering the search attributes against a real (test) server never throws. */
class SearchAttributeRegistrationTest {

  @Test
  void registeringTwiceGivesTheSameAnswerWithoutThrowing() {
    WorkflowServiceStubs stubs = ApiTestPlatform.get().client.getWorkflowServiceStubs();
    boolean first = SearchAttributeRegistration.register(stubs, "default");
    // A second registration finds them registered (ALREADY_EXISTS counts as registered).
    assertThat(SearchAttributeRegistration.register(stubs, "default")).isEqualTo(first);
  }
}
