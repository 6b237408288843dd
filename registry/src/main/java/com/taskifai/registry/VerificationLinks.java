package com.taskifai.registry;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Which master key signed each tenant's latest verification link and until when it works (the
 * {@code verification_links} table; never the token). A key rotation reads it to tell whether an
 * old key still signs a link in flight.
 */
public final class VerificationLinks {
  /** A tenant's latest link: the key that signed it and when it stops working. */
  public record Link(UUID tenantId, String keyId, Instant expiresAt) {}

  private final JdbcClient jdbc;

  public VerificationLinks(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** Records the link just mailed to the tenant, replacing the record of an earlier one. */
  public void record(UUID tenantId, String keyId, Instant expiresAt) {
    jdbc.sql(
            "INSERT INTO verification_links (tenant_id, key_id, expires_at) VALUES (:t, :k, :e)"
                + " ON CONFLICT (tenant_id) DO UPDATE SET key_id = EXCLUDED.key_id,"
                + " expires_at = EXCLUDED.expires_at, issued_at = now()")
        .param("t", tenantId)
        .param("k", keyId)
        .param("e", Timestamp.from(expiresAt))
        .update();
  }

  /**
   * Links that still work at {@code now} for tenants that still wait for their verification (a
   * verified, active or ended tenant's link has no effect any more).
   */
  public List<Link> inFlight(Instant now) {
    return jdbc.sql(
            "SELECT v.tenant_id, v.key_id, v.expires_at FROM verification_links v"
                + " JOIN tenants t ON t.tenant_id = v.tenant_id"
                + " WHERE v.expires_at > :now AND t.verified_at IS NULL"
                + " AND t.status IN ('PROVISIONING', 'AWAITING_VERIFICATION')"
                + " ORDER BY v.expires_at")
        .param("now", Timestamp.from(now))
        .query(
            (rs, i) ->
                new Link(
                    rs.getObject(1, UUID.class), rs.getString(2), rs.getTimestamp(3).toInstant()))
        .list();
  }
}
