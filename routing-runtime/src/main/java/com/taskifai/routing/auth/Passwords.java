package com.taskifai.routing.auth;

import com.taskifai.routing.api.ApiException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.stereotype.Component;

/** Password rules and hashing (BCrypt, Spring Security's implementation). */
@Component
public class Passwords {
  static final int MIN_LENGTH = 12;
  // BCrypt reads at most 72 bytes; a longer password would be silently shortened.
  static final int MAX_BYTES = 72;

  private final BCryptPasswordEncoder encoder = new BCryptPasswordEncoder(10);
  private final String dummyHash = encoder.encode("a password nobody has, for even timing");

  /** Refuses a password that breaks the rules, saying which. */
  public void requireAcceptable(String password) {
    if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
      throw ApiException.badRequest("password must be at least " + MIN_LENGTH + " characters");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw ApiException.badRequest("password must be at most " + MAX_BYTES + " bytes (UTF-8)");
    }
  }

  public String hash(String password) {
    return encoder.encode(password);
  }

  /** True when the password matches; with no hash it spends the same time and says no. */
  public boolean matches(String password, String hash) {
    if (password == null || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      encoder.matches("x", dummyHash);
      return false;
    }
    if (hash == null) {
      encoder.matches(password, dummyHash);
      return false;
    }
    return encoder.matches(password, hash);
  }
}
