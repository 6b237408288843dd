package com.taskifai.api.auth;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTParser;
import com.taskifai.api.ApiSettings;
import com.taskifai.registry.PlatformAdmins;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.web.Problems;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may call what. The portal's pages, the login, the verification link and the health and
 * metrics endpoints are open; everything else under {@code /admin} needs a bearer JWT with the
 * platform-admin role. Sessions and CSRF tokens are not used: the API is stateless.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
class SecurityConfiguration {

  @Bean
  SecurityFilterChain adminApiSecurity(HttpSecurity http, ExternalIssuer external)
      throws Exception {
    // Own tokens carry their roles in "roles"; an external issuer's only in the configured claim.
    JwtAuthenticationConverter authentication = new JwtAuthenticationConverter();
    authentication.setJwtGrantedAuthoritiesConverter(
        jwt ->
            external.roles(jwt).stream()
                .<GrantedAuthority>map(r -> new SimpleGrantedAuthority("ROLE_" + r))
                .toList());

    http.csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(
            auth ->
                auth.requestMatchers(HttpMethod.POST, "/admin/login")
                    .permitAll()
                    .requestMatchers(HttpMethod.GET, "/admin/jwks.json")
                    .permitAll()
                    // The link's one-use, expiring token is the credential (the tenant's own
                    // admin has no platform token); TenantExportService checks it.
                    .requestMatchers(HttpMethod.GET, "/admin/tenants/*/exports/*/download")
                    .permitAll()
                    .requestMatchers("/admin/**")
                    .hasRole(AdminTokens.ROLE)
                    .anyRequest()
                    .permitAll())
        .oauth2ResourceServer(
            rs ->
                rs.jwt(jwt -> jwt.jwtAuthenticationConverter(authentication))
                    .authenticationEntryPoint(
                        (request, response, e) ->
                            write(
                                response,
                                401,
                                "unauthorized",
                                "a valid bearer token is required: POST /admin/login with email,"
                                    + " password and one-time code"))
                    .accessDeniedHandler(
                        (request, response, e) ->
                            write(
                                response,
                                403,
                                "forbidden",
                                "this token does not carry the platform_admin role")))
        .exceptionHandling(
            ex ->
                ex.authenticationEntryPoint(
                        (request, response, e) ->
                            write(
                                response,
                                401,
                                "unauthorized",
                                "a bearer token is required: POST /admin/login with email,"
                                    + " password and one-time code"))
                    .accessDeniedHandler(
                        (request, response, e) ->
                            write(
                                response,
                                403,
                                "forbidden",
                                "this token does not carry the platform_admin role")));
    return http.build();
  }

  private static void write(HttpServletResponse response, int status, String code, String message)
      throws IOException {
    response.setStatus(status);
    if (status == 401) {
      response.setHeader("WWW-Authenticate", "Bearer realm=\"taskifai-admin\"");
    }
    Problems.write(response, Problems.of(HttpStatusCode.valueOf(status), code, message), null);
  }

  @Bean
  AdminTokens adminTokens(ApiSettings settings) {
    if (!settings.adminJwtRsaKeyFile().isBlank()) {
      return AdminTokens.rs256(
          AdminTokens.readRsaKey(Path.of(settings.adminJwtRsaKeyFile()), settings.adminJwtKeyId()));
    }
    return AdminTokens.hs256(AdminTokens.signingKey(settings.adminJwtSecret()));
  }

  /**
   * Accepts the platform's own tokens (HS256 in dev, RS256 with the own key id in production) and,
   * when a JWKS URI is configured, tokens of an external OIDC issuer with the configured issuer and
   * audience ({@link ExternalIssuer}); the token's header picks the decoder, so a token never meets
   * a key of the wrong kind.
   */
  @Bean
  JwtDecoder adminJwtDecoder(AdminTokens tokens, ExternalIssuer issuer) {
    JwtDecoder own = tokens.decoder();
    JwtDecoder external = issuer.enabled() ? issuer.decoder() : null;
    return token -> {
      JWSHeader header;
      try {
        header = (JWSHeader) JWTParser.parse(token).getHeader();
      } catch (ParseException | RuntimeException e) {
        throw new BadJwtException("the token is not a signed JWT");
      }
      String alg = header.getAlgorithm().getName();
      boolean ours =
          alg.equals(tokens.algorithm())
              && (tokens.keyId() == null || tokens.keyId().equals(header.getKeyID()));
      if (ours) {
        return own.decode(token);
      }
      if (external != null && !alg.startsWith("HS")) {
        return external.decode(token);
      }
      throw new BadJwtException("tokens signed with " + alg + " are not accepted");
    };
  }

  @Bean
  AdminAccounts adminAccounts(PlatformAdmins rows, CredentialCipher cipher) {
    return new AdminAccounts(rows, cipher);
  }
}
