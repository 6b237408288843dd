package com.taskifai.registry.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VerificationTokensTest {
  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
  private final String keyA = KeyRing.newKeyEntry("a");
  private final String keyB = KeyRing.newKeyEntry("b");
  private final VerificationTokens tokens = new VerificationTokens(KeyRing.parse(keyA));

  @Test
  void returnsTheTenantOfAnIntactTokenBeforeItExpires() {
    UUID tenant = UUID.randomUUID();
    String token = tokens.issue(tenant, NOW.plus(Duration.ofDays(7)));

    assertThat(token).matches("a\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    assertThat(VerificationTokens.keyIdOf(token)).contains("a");
    assertThat(tokens.verify(token, NOW)).contains(tenant);
    assertThat(tokens.verify(token, NOW.plus(Duration.ofDays(7)).minusSeconds(1))).contains(tenant);
  }

  @Test
  void rejectsATokenAtAndAfterItsExpiry() {
    String token = tokens.issue(UUID.randomUUID(), NOW.plusSeconds(60));

    assertThat(tokens.verify(token, NOW.plusSeconds(60))).isEmpty();
    assertThat(tokens.verify(token, NOW.plus(Duration.ofDays(1)))).isEmpty();
  }

  @Test
  void rejectsATokenWhosePayloadWasChangedToAnotherTenantOrALaterExpiry() {
    UUID tenant = UUID.randomUUID();
    String token = tokens.issue(tenant, NOW.plusSeconds(60));
    String signature = token.substring(token.lastIndexOf('.') + 1);
    // Re-encode a payload for another tenant with a far expiry, keeping the original signature.
    var payload = java.nio.ByteBuffer.allocate(24);
    UUID other = UUID.randomUUID();
    payload.putLong(other.getMostSignificantBits()).putLong(other.getLeastSignificantBits());
    payload.putLong(NOW.plus(Duration.ofDays(365)).getEpochSecond());
    String forged =
        "a."
            + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.array())
            + "."
            + signature;

    assertThat(tokens.verify(forged, NOW)).isEmpty();
    // Nor does dropping the key id make the signature count for the old form.
    assertThat(tokens.verify(forged.substring(2), NOW)).isEmpty();
  }

  @Test
  void rejectsATokenWithAFlippedSignatureCharacter() {
    String token = tokens.issue(UUID.randomUUID(), NOW.plusSeconds(60));
    char last = token.charAt(token.length() - 2);
    String tampered =
        token.substring(0, token.length() - 2)
            + (last == 'A' ? 'B' : 'A')
            + token.charAt(token.length() - 1);

    assertThat(tokens.verify(tampered, NOW)).isEmpty();
  }

  @Test
  void rejectsATokenSignedWithAKeyRingItDoesNotShare() {
    VerificationTokens foreign = new VerificationTokens(KeyRing.parse(keyB));
    String token = foreign.issue(UUID.randomUUID(), NOW.plusSeconds(60));

    assertThat(tokens.verify(token, NOW)).isEmpty();
  }

  @Test
  void acceptsATokenIssuedBeforeAKeyRotation() {
    UUID tenant = UUID.randomUUID();
    String oldToken = tokens.issue(tenant, NOW.plusSeconds(60));
    VerificationTokens rotated = new VerificationTokens(KeyRing.parse(keyB + "," + keyA));

    assertThat(rotated.verify(oldToken, NOW)).contains(tenant);
    assertThat(tokens.verify(rotated.issue(tenant, NOW.plusSeconds(60)), NOW)).isEmpty();
  }

  @Test
  void aTokenNamesItsKeyAndStopsWorkingWhenThatKeyLeavesTheRing() {
    UUID tenant = UUID.randomUUID();
    String oldToken = tokens.issue(tenant, NOW.plusSeconds(60));
    VerificationTokens rotated = new VerificationTokens(KeyRing.parse(keyB + "," + keyA));
    String newToken = rotated.issue(tenant, NOW.plusSeconds(60));

    assertThat(VerificationTokens.keyIdOf(oldToken)).contains("a");
    assertThat(VerificationTokens.keyIdOf(newToken)).contains("b");
    assertThat(rotated.signingKeyId()).isEqualTo("b");
    // Claiming another key of the ring does not help a token signed with a different one.
    assertThat(rotated.verify("b" + oldToken.substring(1), NOW)).isEmpty();
    VerificationTokens withoutA = new VerificationTokens(KeyRing.parse(keyB));
    assertThat(withoutA.verify(oldToken, NOW)).isEmpty();
    assertThat(withoutA.verify(newToken, NOW)).contains(tenant);
  }

  @Test
  void stillAcceptsATokenOfTheEarlierFormWithoutKeyId() throws Exception {
    UUID tenant = UUID.randomUUID();
    var payload = java.nio.ByteBuffer.allocate(24);
    payload.putLong(tenant.getMostSignificantBits()).putLong(tenant.getLeastSignificantBits());
    payload.putLong(NOW.plusSeconds(60).getEpochSecond());
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    byte[] master = Base64.getDecoder().decode(keyA.substring(keyA.indexOf(':') + 1));
    mac.init(new javax.crypto.spec.SecretKeySpec(master, "HmacSHA256"));
    byte[] derived =
        mac.doFinal(
            "taskifai-verification-token-v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    mac.init(new javax.crypto.spec.SecretKeySpec(derived, "HmacSHA256"));
    var b64 = Base64.getUrlEncoder().withoutPadding();
    String legacy =
        b64.encodeToString(payload.array())
            + "."
            + b64.encodeToString(mac.doFinal(payload.array()));

    assertThat(tokens.verify(legacy, NOW)).contains(tenant);
    assertThat(VerificationTokens.keyIdOf(legacy)).isEmpty();
  }

  @Test
  void sharesTheKeyRingOfTheCredentialCipher() {
    UUID tenant = UUID.randomUUID();
    VerificationTokens fromCipher =
        VerificationTokens.of(new CredentialCipher(KeyRing.parse(keyA)));

    assertThat(tokens.verify(fromCipher.issue(tenant, NOW.plusSeconds(60)), NOW)).contains(tenant);
  }

  @Test
  void rejectsMalformedTokensWithoutThrowing() {
    assertThat(tokens.verify(null, NOW)).isEmpty();
    assertThat(tokens.verify("", NOW)).isEmpty();
    assertThat(tokens.verify("no-dot", NOW)).isEmpty();
    assertThat(tokens.verify("a.b.c", NOW)).isEmpty();
    assertThat(tokens.verify("!!!.???", NOW)).isEmpty();
    assertThat(tokens.verify("AAAA.AAAA", NOW)).isEmpty();
  }
}
