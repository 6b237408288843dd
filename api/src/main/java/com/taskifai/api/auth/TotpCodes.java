package com.taskifai.api.auth;

import dev.samstevens.totp.code.DefaultCodeGenerator;
import dev.samstevens.totp.code.HashingAlgorithm;
import dev.samstevens.totp.exceptions.CodeGenerationException;
import dev.samstevens.totp.secret.DefaultSecretGenerator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * RFC 6238 one-time codes (SHA-1, 6 digits, 30-second steps, as authenticator apps use them). A
 * code is accepted for its own step and one step either side, to allow for clock drift; the caller
 * learns the matched step so that it can refuse a code that was used before.
 */
public final class TotpCodes {
  static final int PERIOD_SECONDS = 30;
  private static final int DIGITS = 6;
  private static final int DRIFT_STEPS = 1;

  private TotpCodes() {}

  /** A new random base32 secret (160 bits) for an authenticator app. */
  public static String newSecret() {
    return new DefaultSecretGenerator(32).generate();
  }

  /** The time step an instant falls in. */
  public static long stepAt(Instant now) {
    return Math.floorDiv(now.getEpochSecond(), PERIOD_SECONDS);
  }

  /** The code of a secret for the step that {@code now} falls in (tests, dev tools). */
  public static String codeAt(String base32Secret, Instant now) {
    return code(base32Secret, stepAt(now));
  }

  /** The code of a secret for one time step. */
  public static String code(String base32Secret, long step) {
    try {
      return new DefaultCodeGenerator(HashingAlgorithm.SHA1, DIGITS).generate(base32Secret, step);
    } catch (CodeGenerationException e) {
      throw new IllegalArgumentException("the TOTP secret is not valid base32", e);
    }
  }

  /** The step whose code equals {@code code} near {@code now}, or empty when none does. */
  static OptionalLong matchingStep(String base32Secret, String code, Instant now) {
    if (code == null || !code.matches("[0-9]{" + DIGITS + "}")) {
      return OptionalLong.empty();
    }
    long current = stepAt(now);
    OptionalLong found = OptionalLong.empty();
    // Every candidate is checked in constant time, so timing does not reveal which step matched.
    for (long step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
      if (MessageDigest.isEqual(
          code(base32Secret, step).getBytes(StandardCharsets.US_ASCII),
          code.getBytes(StandardCharsets.US_ASCII))) {
        found = OptionalLong.of(step);
      }
    }
    return found;
  }
}
