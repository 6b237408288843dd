package com.taskifai.web;

import java.util.regex.Pattern;

/** The one rule for e-mail addresses both apps accept (admins of tenants, tenant users). */
public final class EmailAddresses {
  private static final Pattern EMAIL =
      Pattern.compile(
          "^[A-Za-z0-9._%+'-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  private EmailAddresses() {}

  /** True when {@code email} (stripped) is an address such as {@code admin@acme.com}. */
  public static boolean isValid(String email) {
    if (email == null) {
      return false;
    }
    String e = email.strip();
    return !e.isEmpty() && e.length() <= 254 && EMAIL.matcher(e).matches();
  }
}
