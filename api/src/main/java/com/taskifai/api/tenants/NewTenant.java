package com.taskifai.api.tenants;

import com.taskifai.registry.SubdomainRules;
import com.taskifai.workflows.Step;
import com.taskifai.workflows.faults.FaultInjection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The body of {@code POST /admin/tenants}. {@link #problems} names each field that is wrong and
 * says how to fix it.
 */
record NewTenant(
    String companyName,
    String subdomain,
    String adminEmail,
    String region,
    String injectFault,
    String provider,
    String tier) {
  static final String DEFAULT_REGION = "local";
  private static final Pattern REGION = Pattern.compile("^[a-z0-9-]{1,32}$");

  /** Field name → what is wrong with it; empty when the request is valid. */
  Map<String, String> problems(SubdomainRules rules, boolean faultInjection) {
    Map<String, String> problems = new LinkedHashMap<>();
    String company = companyName == null ? "" : companyName.strip();
    if (company.isEmpty()) {
      problems.put("company_name", "is required");
    } else if (company.length() > 255) {
      problems.put(
          "company_name", "must be at most 255 characters long (got " + company.length() + ")");
    } else if (company.chars().anyMatch(Character::isISOControl)) {
      problems.put("company_name", "must not contain control characters such as line breaks");
    }
    rules.problem(subdomain).ifPresent(p -> problems.put("subdomain", p));
    String email = adminEmail == null ? "" : adminEmail.strip();
    if (email.isEmpty()) {
      problems.put("admin_email", "is required");
    } else if (!com.taskifai.web.EmailAddresses.isValid(email)) {
      problems.put("admin_email", "must be an e-mail address such as admin@acme.com");
    }
    if (region != null && !REGION.matcher(region).matches()) {
      problems.put(
          "region", "must be 1 to 32 lower-case letters, digits or hyphens (such as 'local')");
    }
    if (tier != null && !tier.equals("dedicated") && !tier.equals("trial")) {
      problems.put("tier", "must be 'dedicated' (a database of its own) or 'trial'");
    } else if ("trial".equals(tier) && provider != null && !provider.equals("postgres")) {
      problems.put("tier", "a trial lives in the shared trial database of our own servers");
    }
    if (injectFault != null) {
      if (!faultInjection) {
        problems.put(
            "inject_fault",
            "fault injection is off on this platform (TASKIFAI_FAULT_INJECTION=false); remove"
                + " the field");
      } else if (FaultInjection.Fault.parse(injectFault).isEmpty()
          || FaultInjection.OTHER_STEPS.contains(injectFault.replaceFirst(":(after|before)$", ""))
              && !"trial".equals(tier)) {
        problems.put(
            "inject_fault",
            "'"
                + injectFault
                + "' is not a step (optionally with ':before', ':after' or ':stall'); use one of "
                + Arrays.stream(Step.values())
                    .map(Step::stepName)
                    .collect(Collectors.joining(", ")));
      }
    }
    return problems;
  }

  String normalizedCompanyName() {
    return companyName.strip();
  }

  String normalizedEmail() {
    return adminEmail.strip();
  }

  /** The tier asked for: {@code dedicated} (the default) or {@code trial}. */
  String tierOrDefault() {
    return tier == null ? "dedicated" : tier;
  }

  String regionOrDefault() {
    return region == null ? DEFAULT_REGION : region;
  }
}
