package com.taskifai.api.tenants;

import static org.assertj.core.api.Assertions.assertThat;

import com.taskifai.api.testing.AdminHttp;
import com.taskifai.api.testing.AdminHttp.Answer;
import com.taskifai.api.testing.ApiTestBase;
import com.taskifai.registry.Backups;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.Tenant;
import com.taskifai.registry.TenantKind;
import com.taskifai.registry.TenantOperationKind;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantStatus;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.testing.TestPostgres;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The tenant-operation protocol at the API: every operation the API starts is refused, before
 * anything changes, for a kind of tenant it does not work for (the tier table of
 * TenantOperationKind) and while any other operation holds the tenant (409 naming it).
 */
class TenantOperationProtocolApiTest extends ApiTestBase {
  /** The operations the admin API starts (a rollout and key rotation start elsewhere). */
  private static final Set<TenantOperationKind> STARTED_BY_THE_API =
      EnumSet.of(
          TenantOperationKind.BACKING_UP,
          TenantOperationKind.RESTORING,
          TenantOperationKind.MOVING,
          TenantOperationKind.PROMOTING,
          TenantOperationKind.ENABLING_EXTENSION,
          TenantOperationKind.OFFBOARDING,
          TenantOperationKind.INVITING_ADMIN);

  @Autowired CredentialCipher cipher;
  private String token;
  private TenantRegistry registry;
  private TenantOperations operations;

  @BeforeEach
  void setUp() {
    token = freshToken();
    registry = new TenantRegistry(platform().db.platform());
    operations = registry.operations();
    DatabaseServers servers = new DatabaseServers(platform().db.platform());
    for (String s : List.of("opa", "opb")) {
      servers.upsert(
          cipher,
          s,
          "local",
          TestPostgres.jdbcUrl("postgres"),
          "postgres",
          TestPostgres.superuserPassword(),
          100);
    }
  }

  /** An ACTIVE tenant of {@code kind} placed on server opa. */
  private Tenant tenant(TenantKind kind) {
    UUID id = UUID.randomUUID();
    String sub = "op-" + id.toString().substring(0, 8);
    registry.reserve(new TenantRegistry.Reservation(id, sub, "Ops", "o@ops.test", "local"));
    JdbcClient.create(platform().db.owner())
        .sql(
            "UPDATE tenants SET tier = :tier, database_provider = :provider,"
                + " database_server_id = 'opa', database_name = :db WHERE tenant_id = :id")
        .param("tier", kind == TenantKind.TRIAL ? "trial" : "dedicated")
        .param("provider", kind == TenantKind.SUPABASE ? "supabase" : "postgres")
        .param("db", kind == TenantKind.TRIAL ? "taskifai_trials" : "tenant_x")
        .param("id", id)
        .update();
    registry.setStatus(id, TenantStatus.ACTIVE);
    return registry.findById(id).orElseThrow();
  }

  /** Starts {@code op} on {@code t} through the API, as an admin would. */
  private Answer start(TenantOperationKind op, Tenant t) {
    String path = "/admin/tenants/" + t.tenantId();
    String sub = t.subdomain();
    return switch (op) {
      case BACKING_UP -> http.post(path + "/backups", null, token);
      case RESTORING ->
          http.post(
              path + "/backups/" + goodBackup(t.tenantId()) + "/restore",
              AdminHttp.json("mode", "replace", "confirm_subdomain", sub),
              token);
      case MOVING ->
          http.post(
              path + "/move",
              AdminHttp.json("target_server", "opb", "confirm_subdomain", sub),
              token);
      case PROMOTING ->
          http.post(path + "/promote", AdminHttp.json("confirm_subdomain", sub), token);
      case ENABLING_EXTENSION ->
          http.post(path + "/extensions", "{\"name\":\"custom_fields\"}", token);
      case OFFBOARDING -> http.delete(path, token);
      case INVITING_ADMIN -> http.post(path + "/admin-invite", null, token);
      default -> throw new IllegalArgumentException(op + " is not started through the API");
    };
  }

  private UUID goodBackup(UUID tenantId) {
    Backups backups = new Backups(platform().db.platform());
    UUID b = UUID.randomUUID();
    backups.start(b, tenantId, "manual", "folder", tenantId + "/" + b, "x");
    backups.complete(b, "ab".repeat(32), 1234, "tenant_x", "1", "15.14", "{\"products\": 2}");
    return b;
  }

  static Stream<Arguments> refusedCells() {
    List<Arguments> cells = new ArrayList<>();
    for (TenantOperationKind op : STARTED_BY_THE_API) {
      for (TenantKind kind : TenantKind.values()) {
        if (op.refusalFor(kind).isPresent()) {
          cells.add(Arguments.of(op, kind));
        }
      }
    }
    return cells.stream();
  }

  @ParameterizedTest(name = "{0} of a {1} tenant")
  @MethodSource("refusedCells")
  void anOperationIsRefusedForAKindOfTenantItDoesNotWorkForBeforeAnythingChanges(
      TenantOperationKind op, TenantKind kind) {
    Tenant t = tenant(kind);
    TenantOperationKind.Refusal refusal = op.refusalFor(kind).orElseThrow();

    Answer refused = start(op, t);

    assertThat(refused.status()).isEqualTo(refusal.status());
    assertThat(refused.text("message"))
        .isEqualTo("tenant " + t.tenantId() + " " + refusal.message());
    assertThat(refused.text("tier")).isEqualTo(kind == TenantKind.TRIAL ? "trial" : "dedicated");
    Tenant after = registry.findById(t.tenantId()).orElseThrow();
    assertThat(after.status()).isEqualTo(TenantStatus.ACTIVE);
    assertThat(after.databaseServerId()).isEqualTo("opa");
    assertThat(after.databaseName()).isEqualTo(t.databaseName());
    assertThat(after.tier()).isEqualTo(t.tier());
    assertThat(operations.current(t.tenantId())).isEmpty();
    assertThat(http.get("/admin/tenants/" + t.tenantId() + "/audit", token).body())
        .doesNotContain("accepted");
  }

  @ParameterizedTest(name = "{0} while another operation holds the tenant")
  @EnumSource(
      value = TenantOperationKind.class,
      names = {
        "BACKING_UP",
        "RESTORING",
        "MOVING",
        "PROMOTING",
        "ENABLING_EXTENSION",
        "OFFBOARDING",
        "INVITING_ADMIN"
      })
  void aSecondOperationAnswers409NamingTheOneThatHoldsTheTenant(TenantOperationKind second) {
    Tenant t =
        tenant(second == TenantOperationKind.PROMOTING ? TenantKind.TRIAL : TenantKind.DEDICATED);
    for (TenantOperationKind first : TenantOperationKind.values()) {
      assertThat(second.mayOverlap(first)).isFalse();
      String held = "held-by-" + first.name().toLowerCase();
      assertThat(operations.claim(t.tenantId(), first, held)).isEmpty();

      Answer busy = start(second, t);

      assertThat(busy.status()).as("%s while %s holds it", second, first).isEqualTo(409);
      assertThat(busy.text("message")).contains("busy with " + first.name());
      assertThat(busy.text("operation")).isEqualTo(first.name());
      assertThat(busy.text("operation_id")).isEqualTo(held);
      assertThat(operations.current(t.tenantId()))
          .contains(new TenantOperations.Held(first.name(), held));
      assertThat(registry.findById(t.tenantId()).orElseThrow().status())
          .isEqualTo(TenantStatus.ACTIVE);
      operations.release(t.tenantId(), held);
    }
    assertThat(http.get("/admin/tenants/" + t.tenantId() + "/audit", token).body())
        .doesNotContain("accepted");
  }
}
