package com.taskifai.registry.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring e-mail verification tokens. A token names the tenant and its expiry and carries
 * an HMAC-SHA256 over both, so the verification link needs no server-side state and holds no
 * secret.
 *
 * <p>The HMAC key is derived from a master key ({@code HMAC(masterKey,
 * "taskifai-verification-token-v1")}), so the master key itself never signs anything. Tokens are
 * issued with the ring's newest key and verified with every key of the ring, so a link sent before
 * a key rotation still works.
 *
 * <p>Format: {@code base64url(tenantId[16] || expiresAtEpochSecond[8]) "." base64url(mac)}.
 */
public final class VerificationTokens {
  private static final String DERIVATION_LABEL = "taskifai-verification-token-v1";
  private static final String MAC_ALGORITHM = "HmacSHA256";
  private static final int PAYLOAD_BYTES = 16 + 8;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final byte[] signingKey;
  private final List<byte[]> verifyingKeys;

  public VerificationTokens(KeyRing ring) {
    this.signingKey = derive(ring.primaryKey());
    List<byte[]> keys = new ArrayList<>();
    for (String id : ring.ids()) {
      ring.key(id).ifPresent(k -> keys.add(derive(k)));
    }
    this.verifyingKeys = List.copyOf(keys);
  }

  /** Tokens on the same key ring as the credential cipher. */
  public static VerificationTokens of(CredentialCipher cipher) {
    return new VerificationTokens(cipher.keyRing());
  }

  /** A url-safe token for the tenant that stops verifying at {@code expiresAt}. */
  public String issue(UUID tenantId, Instant expiresAt) {
    byte[] payload =
        ByteBuffer.allocate(PAYLOAD_BYTES)
            .putLong(tenantId.getMostSignificantBits())
            .putLong(tenantId.getLeastSignificantBits())
            .putLong(expiresAt.getEpochSecond())
            .array();
    return B64.encodeToString(payload) + "." + B64.encodeToString(mac(signingKey, payload));
  }

  /**
   * The tenant id the token was issued for, when the token is intact, signed by a key of the ring
   * and not expired at {@code now}; empty otherwise (malformed, altered, foreign or expired).
   */
  public Optional<UUID> verify(String token, Instant now) {
    if (token == null) {
      return Optional.empty();
    }
    String[] parts = token.strip().split("\\.", -1);
    if (parts.length != 2) {
      return Optional.empty();
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = Base64.getUrlDecoder().decode(parts[0]);
      signature = Base64.getUrlDecoder().decode(parts[1]);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (payload.length != PAYLOAD_BYTES) {
      return Optional.empty();
    }
    boolean signed = false;
    for (byte[] key : verifyingKeys) {
      // Constant-time comparison, so timing tells an attacker nothing about the right MAC.
      signed |= MessageDigest.isEqual(mac(key, payload), signature);
    }
    if (!signed) {
      return Optional.empty();
    }
    ByteBuffer buffer = ByteBuffer.wrap(payload);
    UUID tenantId = new UUID(buffer.getLong(), buffer.getLong());
    Instant expiresAt = Instant.ofEpochSecond(buffer.getLong());
    if (!now.isBefore(expiresAt)) {
      return Optional.empty();
    }
    return Optional.of(tenantId);
  }

  private static byte[] derive(SecretKey masterKey) {
    return mac(masterKey.getEncoded(), DERIVATION_LABEL.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] mac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(MAC_ALGORITHM);
      mac.init(new SecretKeySpec(key, MAC_ALGORITHM));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "VerificationTokens[" + verifyingKeys.size() + " keys]";
  }
}
