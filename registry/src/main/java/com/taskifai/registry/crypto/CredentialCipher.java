package com.taskifai.registry.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM encryption of credentials at rest. Each value gets a random 96-bit nonce; the key id
 * travels in the ciphertext, and a context string (for tenants: tenant id and column) is bound as
 * associated data, so a ciphertext copied to another row or column does not decrypt.
 *
 * <p>Format: {@code tk1.<keyId>.<base64url(nonce || ciphertext || tag)>}.
 */
public final class CredentialCipher {
  private static final String VERSION = "tk1";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyRing ring;

  public CredentialCipher(KeyRing ring) {
    this.ring = ring;
  }

  /** The ring this cipher uses; other primitives of this package derive their keys from it. */
  /** The id of the key new values are sealed with. */
  public String primaryKeyId() {
    return ring.primaryId();
  }

  KeyRing keyRing() {
    return ring;
  }

  /** The context that binds a tenant's column value to that tenant and column. */
  public static String tenantContext(UUID tenantId, String field) {
    return "tenant:" + tenantId + ":" + field;
  }

  /** Encrypts with the newest key. */
  public String encrypt(String plaintext, String context) {
    String keyId = ring.primaryId();
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, ring.primaryKey(), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(keyId, context));
      byte[] sealed = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
      return VERSION
          + "."
          + keyId
          + "."
          + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * Decrypts a value sealed for the same context.
   *
   * @throws CredentialDecryptionException when the value was altered, was sealed for another
   *     context, or names a key that is not in the ring
   */
  public String decrypt(String ciphertext, String context) {
    Parsed p = parse(ciphertext);
    SecretKey key =
        ring.key(p.keyId)
            .orElseThrow(
                () ->
                    new CredentialDecryptionException(
                        "ciphertext names master key '"
                            + p.keyId
                            + "', which is not in the key ring"));
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, p.body, 0, NONCE_BYTES));
      c.updateAAD(aad(p.keyId, context));
      byte[] plain = c.doFinal(p.body, NONCE_BYTES, p.body.length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new CredentialDecryptionException(
          "ciphertext does not authenticate: altered, or sealed for another tenant or field");
    } catch (GeneralSecurityException e) {
      throw new CredentialDecryptionException("ciphertext cannot be decrypted: " + e.getMessage());
    }
  }

  /** True when the value is sealed with the newest key already. */
  public boolean isCurrent(String ciphertext) {
    return parse(ciphertext).keyId.equals(ring.primaryId());
  }

  /** Re-seals a value with the newest key; a value already under it comes back unchanged. */
  public String reencrypt(String ciphertext, String context) {
    if (isCurrent(ciphertext)) {
      decrypt(ciphertext, context); // still proves it belongs to this context
      return ciphertext;
    }
    return encrypt(decrypt(ciphertext, context), context);
  }

  /** The id of the key a value is sealed with. */
  public static String keyIdOf(String ciphertext) {
    return parse(ciphertext).keyId;
  }

  private static byte[] aad(String keyId, String context) {
    return (VERSION + "|" + keyId + "|" + context).getBytes(StandardCharsets.UTF_8);
  }

  private record Parsed(String keyId, byte[] body) {}

  private static Parsed parse(String ciphertext) {
    if (ciphertext == null) {
      throw new CredentialDecryptionException("no ciphertext");
    }
    String[] parts = ciphertext.split("\\.", -1);
    if (parts.length != 3 || !parts[0].equals(VERSION) || parts[1].isEmpty()) {
      throw new CredentialDecryptionException("not a " + VERSION + " ciphertext");
    }
    byte[] body;
    try {
      body = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new CredentialDecryptionException("ciphertext body is not base64url");
    }
    if (body.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new CredentialDecryptionException("ciphertext is too short");
    }
    return new Parsed(parts[1], body);
  }
}
