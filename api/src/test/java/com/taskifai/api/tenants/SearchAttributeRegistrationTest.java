package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.ApiTestPlatform;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * Registering the search attributes: true where the server has them, false (never a throw) else.
 */
class SearchAttributeRegistrationTest {

  @Test
  void registersOnARealServerAndASecondRegistrationCountsAsRegistered() {
    WorkflowServiceStubs stubs = ApiTestPlatform.get().client.getWorkflowServiceStubs();
    assertThat(SearchAttributeRegistration.register(stubs, "default")).isTrue();
    // The second call meets ALREADY_EXISTS, which counts as registered.
    assertThat(SearchAttributeRegistration.register(stubs, "default")).isTrue();
  }

  @Test
  void anUnreachableServerGivesFalseInsteadOfThrowing() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    try {
      assertThat(SearchAttributeRegistration.register(stubs, "default")).isFalse();
    } finally {
      stubs.shutdownNow();
    }
  }
}
