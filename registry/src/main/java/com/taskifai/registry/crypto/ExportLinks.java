package com.taskifai.registry.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tokens of export download links: {@code base64url(HMAC-SHA256(k, "export|<export id>|<link
 * version>|<expiry epoch second>"))} with {@code k} derived from a master key of the ring (never
 * the master key itself). The registry keeps only the token's SHA-256, so a stolen registry row
 * opens nothing; the token is computed again, for the same link, to show its URL. A new link (next
 * version or expiry) has another token, and a link computed under an older key of the ring is found
 * as long as that key is in the ring.
 */
public final class ExportLinks {
  private static final String DERIVATION_LABEL = "taskifai-export-link-v1";
  private static final String MAC_ALGORITHM = "HmacSHA256";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final KeyRing ring;

  public ExportLinks(KeyRing ring) {
    this.ring = ring;
  }

  /** Links on the same key ring as the credential cipher. */
  public static ExportLinks of(CredentialCipher cipher) {
    return new ExportLinks(cipher.keyRing());
  }

  /** The token of a new link, signed with the ring's newest key. */
  public String issue(UUID exportId, int linkVersion, Instant expiresAt) {
    return token(ring.primaryKey(), exportId, linkVersion, expiresAt);
  }

  /**
   * The token of the link whose hash the registry holds, computed again with whichever key of the
   * ring made it; empty when none did (the key left the ring).
   */
  public Optional<String> current(
      UUID exportId, int linkVersion, Instant expiresAt, String tokenHash) {
    if (tokenHash == null || expiresAt == null) {
      return Optional.empty();
    }
    for (String id : ring.ids()) {
      Optional<SecretKey> key = ring.key(id);
      if (key.isPresent()) {
        String token = token(key.get(), exportId, linkVersion, expiresAt);
        if (MessageDigest.isEqual(
            hash(token).getBytes(StandardCharsets.US_ASCII),
            tokenHash.getBytes(StandardCharsets.US_ASCII))) {
          return Optional.of(token);
        }
      }
    }
    return Optional.empty();
  }

  /** The hex SHA-256 of a token, as the registry stores it. */
  public static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String token(SecretKey master, UUID exportId, int linkVersion, Instant expires) {
    byte[] key = mac(master.getEncoded(), DERIVATION_LABEL.getBytes(StandardCharsets.UTF_8));
    String payload = "export|" + exportId + "|" + linkVersion + "|" + expires.getEpochSecond();
    return B64.encodeToString(mac(key, payload.getBytes(StandardCharsets.UTF_8)));
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
}
