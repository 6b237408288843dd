package com.taskifai.registry.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * issued with the ring's newest key and name it, so a link sent before a key rotation still works
 * while its key is in the ring, and a rotation can tell which key a link in flight needs.
 *
 * <p>Format: {@code keyId "." base64url(tenantId[16] || expiresAtEpochSecond[8]) "."
 * base64url(mac)}, the MAC over {@code keyId "."} and the payload. Tokens of the earlier form
 * without the key id ({@code payload "." mac}) are verified with every key of the ring.
 */
public final class VerificationTokens {
  private static final String DERIVATION_LABEL = "taskifai-verification-token-v1";
  private static final String MAC_ALGORITHM = "HmacSHA256";
  private static final int PAYLOAD_BYTES = 16 + 8;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final String signingKeyId;
  private final byte[] signingKey;
  private final Map<String, byte[]> verifyingKeys;

  public VerificationTokens(KeyRing ring) {
    this.signingKeyId = ring.primaryId();
    this.signingKey = derive(ring.primaryKey());
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (String id : ring.ids()) {
      ring.key(id).ifPresent(k -> keys.put(id, derive(k)));
    }
    this.verifyingKeys = Map.copyOf(keys);
  }

  /** The id of the master key new tokens are signed with. */
  public String signingKeyId() {
    return signingKeyId;
  }

  /** The id of the master key a token names, if it has the form that names one. */
  public static Optional<String> keyIdOf(String token) {
    if (token == null) {
      return Optional.empty();
    }
    String[] parts = token.strip().split("\\.", -1);
    return parts.length == 3 && !parts[0].isEmpty() ? Optional.of(parts[0]) : Optional.empty();
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
    return signingKeyId
        + "."
        + B64.encodeToString(payload)
        + "."
        + B64.encodeToString(mac(signingKey, signed(signingKeyId, payload)));
  }

  private static byte[] signed(String keyId, byte[] payload) {
    byte[] prefix = (keyId + ".").getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(prefix.length + payload.length).put(prefix).put(payload).array();
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
    if (parts.length != 2 && parts.length != 3) {
      return Optional.empty();
    }
    String keyId = parts.length == 3 ? parts[0] : null;
    byte[] payload;
    byte[] signature;
    try {
      payload = Base64.getUrlDecoder().decode(parts[parts.length - 2]);
      signature = Base64.getUrlDecoder().decode(parts[parts.length - 1]);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (payload.length != PAYLOAD_BYTES) {
      return Optional.empty();
    }
    boolean signed = false;
    if (keyId != null) {
      byte[] key = verifyingKeys.get(keyId);
      // Constant-time comparison, so timing tells an attacker nothing about the right MAC.
      signed = key != null && MessageDigest.isEqual(mac(key, signed(keyId, payload)), signature);
    } else {
      for (byte[] key : verifyingKeys.values()) {
        signed |= MessageDigest.isEqual(mac(key, payload), signature);
      }
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
