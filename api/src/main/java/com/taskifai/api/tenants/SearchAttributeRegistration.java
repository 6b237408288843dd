package com.taskifai.api.tenants;

import com.taskifai.api.ApiSettings;
import com.taskifai.api.temporal.TenantWorkflows;
import com.taskifai.workflows.migration.MigrateFleetWorkflowImpl;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Registers the TenantId, Subdomain and MigrationId search attributes when they are switched on, so
 * Temporal UI can find a tenant's workflows. A server that refuses (or has them already) is fine.
 */
@Component
class SearchAttributeRegistration {
  private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistration.class);

  private final ApiSettings settings;
  private final WorkflowServiceStubs stubs;

  SearchAttributeRegistration(ApiSettings settings, WorkflowServiceStubs stubs) {
    this.settings = settings;
    this.stubs = stubs;
  }

  @EventListener(ApplicationReadyEvent.class)
  void register() {
    if (settings.searchAttributes()) {
      register(stubs, settings.temporalNamespace());
    }
  }

  /**
   * Adds TenantId, Subdomain and MigrationId (keyword) to the namespace. Returns true when the
   * server has them now; never throws, since visibility is a convenience and must not stop the API.
   */
  static boolean register(WorkflowServiceStubs stubs, String namespace) {
    OperatorServiceStubs operator = null;
    try {
      operator =
          OperatorServiceStubs.newServiceStubs(
              OperatorServiceStubsOptions.newBuilder()
                  .setChannel(stubs.getRawChannel())
                  .validateAndBuildWithDefaults());
      operator
          .blockingStub()
          .addSearchAttributes(
              AddSearchAttributesRequest.newBuilder()
                  .setNamespace(namespace)
                  .putSearchAttributes(
                      TenantWorkflows.TENANT_ID.getName(),
                      IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                  .putSearchAttributes(
                      TenantWorkflows.SUBDOMAIN.getName(),
                      IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                  .putSearchAttributes(
                      MigrateFleetWorkflowImpl.MIGRATION_ID.getName(),
                      IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                  .build());
      log.info("registered search attributes TenantId, Subdomain and MigrationId");
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
        return true;
      }
      log.warn(
          "search attributes TenantId, Subdomain and MigrationId not registered: {}",
          e.getStatus());
      return false;
    } catch (RuntimeException e) {
      log.warn(
          "search attributes TenantId, Subdomain and MigrationId not registered: {}", e.toString());
      return false;
    } finally {
      if (operator != null) {
        operator.shutdown();
      }
    }
  }
}
