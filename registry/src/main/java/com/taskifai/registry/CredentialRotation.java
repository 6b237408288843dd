package com.taskifai.registry;

import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.CredentialDecryptionException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Moves every ciphertext in the registry (tenant credentials, staged secrets of tenants in flight,
 * platform admins' TOTP secrets, database servers' admin passwords, the app password of each
 * server's shared trial database) to the newest master key, and tells which keys are still needed
 * afterwards: by a value it could not move, or by a verification link in flight (those are signed,
 * not encrypted, and cannot be re-signed without mailing a new link). Safe to run again: values
 * already under the newest key are left as they are. Each row is updated only if it still holds the
 * value that was read, so a concurrent write is never overwritten, and a tenant's secrets move
 * under the tenant's claim ({@link TenantOperationKind#ROTATING_KEYS}): a tenant that another
 * operation holds is skipped, and its values are reported as still needing their keys.
 */
public final class CredentialRotation {
  /**
   * What a rotation did: how many values moved to the newest key, the values it could not move
   * (where, and why, never the value), and for each master key which values and links still need it
   * ({@code key id -> places}).
   */
  public record Report(
      String primaryKeyId,
      int reencrypted,
      List<String> failures,
      Map<String, List<String>> stillUsed) {
    /** Whether the key can leave the ring: nothing found still needs it. */
    public boolean removable(String keyId) {
      return !keyId.equals(primaryKeyId) && !stillUsed.containsKey(keyId);
    }
  }

  private final JdbcClient jdbc;
  private final TenantRegistry tenants;
  private final DatabaseServers servers;
  private final VerificationLinks links;
  private final CredentialCipher cipher;
  private final TenantOperations operations;

  public CredentialRotation(DataSource dataSource, CredentialCipher cipher) {
    this.jdbc = JdbcClient.create(dataSource);
    this.tenants = new TenantRegistry(dataSource);
    this.operations = tenants.operations();
    this.servers = new DatabaseServers(dataSource);
    this.links = new VerificationLinks(dataSource);
    this.cipher = cipher;
  }

  /** The encryption context of a tenant's staged secret (the activities' StagedSecrets). */
  public static String stagedSecretContext(UUID tenantId, String name) {
    return CredentialCipher.tenantContext(tenantId, "staged_" + name);
  }

  /**
   * The encryption context of the app role's password of a server's shared trial database (its row
   * in {@code trial_databases}).
   */
  public static String trialPasswordContext(String serverId) {
    return "trial:" + serverId + ":app_password";
  }

  /** Re-encrypts what is not under the newest key; returns how many values changed. */
  public int reencryptAll() {
    return rotate(Instant.now()).reencrypted();
  }

  /** Re-encrypts what is not under the newest key and reports what still needs older keys. */
  public Report rotate(Instant now) {
    Run run = new Run();
    Map<UUID, Tenant> withCredentials = new LinkedHashMap<>();
    for (Tenant t : tenants.withCredentials()) {
      withCredentials.put(t.tenantId(), t);
    }
    Map<UUID, List<Map.Entry<String, String>>> staged = new LinkedHashMap<>();
    jdbc.sql("SELECT tenant_id, name, ciphertext FROM tenant_secrets ORDER BY tenant_id, name")
        .query(
            (rs, i) ->
                staged
                    .computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                    .add(Map.entry(rs.getString(2), rs.getString(3))))
        .list();
    java.util.Set<UUID> tenantIds = new java.util.LinkedHashSet<>(withCredentials.keySet());
    tenantIds.addAll(staged.keySet());
    // Each tenant's secrets move under the tenant's claim, so no swap, move or restore writes a
    // new URL meanwhile; a tenant another operation holds is skipped and reported.
    String operationId = "rotate-keys:" + UUID.randomUUID();
    for (UUID tenantId : tenantIds) {
      Tenant t = withCredentials.get(tenantId);
      List<Map.Entry<String, String>> secrets = staged.getOrDefault(tenantId, List.of());
      Optional<TenantOperations.Held> held =
          operations.claim(tenantId, TenantOperationKind.ROTATING_KEYS, operationId);
      if (held.isPresent() && !"UNKNOWN".equals(held.get().operation())) {
        String busy =
            " (tenant busy with "
                + held.get().operation()
                + " "
                + held.get().operationId()
                + ": run rotate-keys again when it ends)";
        if (t != null) {
          run.skip(t.encryptedDatabaseUrl(), "database URL of tenant " + tenantId + busy);
          run.skip(t.encryptedDatabaseKey(), "database password of tenant " + tenantId + busy);
        }
        for (Map.Entry<String, String> secret : secrets) {
          run.skip(
              secret.getValue(),
              "staged secret '" + secret.getKey() + "' of tenant " + tenantId + busy);
        }
        continue;
      }
      try {
        if (t != null) {
          run.reencrypt(
              "tenants",
              "database_url",
              "tenant_id",
              tenantId,
              t.encryptedDatabaseUrl(),
              CredentialCipher.tenantContext(tenantId, TenantCredentials.URL_FIELD),
              "database URL of tenant " + tenantId);
          run.reencrypt(
              "tenants",
              "database_key",
              "tenant_id",
              tenantId,
              t.encryptedDatabaseKey(),
              CredentialCipher.tenantContext(tenantId, TenantCredentials.KEY_FIELD),
              "database password of tenant " + tenantId);
        }
        for (Map.Entry<String, String> secret : secrets) {
          run.reencryptStaged(tenantId, secret.getKey(), secret.getValue());
        }
      } finally {
        operations.release(tenantId, operationId);
      }
    }
    for (var admin :
        jdbc.sql("SELECT id, totp_secret FROM platform_admins")
            .query((rs, i) -> Map.entry(rs.getObject(1, UUID.class), rs.getString(2)))
            .list()) {
      run.reencrypt(
          "platform_admins",
          "totp_secret",
          "id",
          admin.getKey(),
          admin.getValue(),
          "platform_admin:" + admin.getKey() + ":totp",
          "TOTP secret of platform admin " + admin.getKey());
    }
    for (DatabaseServers.Server s : servers.all()) {
      run.reencrypt(
          "database_servers",
          "admin_password",
          "id",
          s.id(),
          s.encryptedAdminPassword(),
          DatabaseServers.context(s.id()),
          "admin password of database server " + s.id());
    }
    for (var trial :
        jdbc.sql("SELECT server_id, app_password FROM trial_databases ORDER BY server_id")
            .query((rs, i) -> Map.entry(rs.getString(1), rs.getString(2)))
            .list()) {
      run.reencrypt(
          "trial_databases",
          "app_password",
          "server_id",
          trial.getKey(),
          trial.getValue(),
          trialPasswordContext(trial.getKey()),
          "app password of the shared trial database of server " + trial.getKey());
    }
    for (VerificationLinks.Link link : links.inFlight(now)) {
      run.use(
          link.keyId(),
          "verification link of tenant "
              + link.tenantId()
              + " (works until "
              + link.expiresAt()
              + ")");
    }
    return new Report(cipher.primaryKeyId(), run.changed, List.copyOf(run.failures), run.used);
  }

  /** One pass over the registry. */
  private final class Run {
    int changed;
    final List<String> failures = new ArrayList<>();
    final Map<String, List<String>> used = new LinkedHashMap<>();

    /** A value left as it is: its key stays needed, for {@code where}. */
    void skip(String value, String where) {
      if (value == null) {
        return;
      }
      try {
        use(CredentialCipher.keyIdOf(value), where);
      } catch (CredentialDecryptionException e) {
        failures.add(where + ": " + e.getMessage());
      }
    }

    void use(String keyId, String where) {
      if (!keyId.equals(cipher.primaryKeyId())) {
        used.computeIfAbsent(keyId, k -> new ArrayList<>()).add(where);
      }
    }

    void reencryptStaged(UUID tenantId, String name, String value) {
      reencrypt(
          null,
          name,
          null,
          tenantId,
          value,
          stagedSecretContext(tenantId, name),
          "staged secret '" + name + "' of tenant " + tenantId);
    }

    void reencrypt(
        String table,
        String column,
        String idColumn,
        Object id,
        String value,
        String context,
        String where) {
      if (value == null) {
        return;
      }
      String keyId;
      try {
        keyId = CredentialCipher.keyIdOf(value);
        if (cipher.isCurrent(value)) {
          return;
        }
      } catch (CredentialDecryptionException e) {
        failures.add(where + ": " + e.getMessage());
        return;
      }
      String fresh;
      try {
        fresh = cipher.reencrypt(value, context);
      } catch (CredentialDecryptionException e) {
        failures.add(where + " (key '" + keyId + "'): " + e.getMessage());
        use(keyId, where);
        return;
      }
      int rows =
          table == null
              ? jdbc.sql(
                      "UPDATE tenant_secrets SET ciphertext = :fresh"
                          + " WHERE tenant_id = :id AND name = :name AND ciphertext = :old")
                  .param("fresh", fresh)
                  .param("id", id)
                  .param("name", column)
                  .param("old", value)
                  .update()
              : jdbc.sql(
                      "UPDATE "
                          + table
                          + " SET "
                          + column
                          + " = :fresh WHERE "
                          + idColumn
                          + " = :id AND "
                          + column
                          + " = :old")
                  .param("fresh", fresh)
                  .param("id", id)
                  .param("old", value)
                  .update();
      // A row that changed meanwhile was written by a newer process, under the newest key.
      changed += rows;
    }
  }
}
