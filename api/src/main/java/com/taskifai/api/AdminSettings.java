package com.taskifai.api;

import com.taskifai.workflows.provisioning.ProvisionTenantRequest;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The admin API's own settings at the top level of {@code taskifai.*}.
 *
 * @param verificationTimeout how long provisioning waits for the e-mail verification; it travels in
 *     the workflow input, so the link and the wait agree
 * @param adminJwtSecret HS256 secret of the platform's own admin tokens; empty for a random one per
 *     start
 * @param adminJwksUri JWKS URI of an external OIDC issuer whose tokens are accepted too; empty for
 *     none
 * @param adminJwtIssuer the external issuer ({@code iss}); required with adminJwksUri
 * @param adminJwtAudience the audience the external tokens must name; required with adminJwksUri
 * @param adminJwtRolesClaim claim (dotted path) of the external tokens' roles
 * @param adminJwtMfaClaim claim that marks an external token as signed in with MFA; empty for none
 * @param adminJwtRsaKeyFile PEM file of the RSA private key that signs admin tokens (RS256); empty
 *     for HS256
 * @param adminJwtKeyId the key id ({@code kid}) of the RSA key
 * @param mfaMaxAge how old a sign-in's MFA may be for operations that need a fresh one
 * @param adminTokenTtl lifetime of admin tokens
 * @param dev dev platform: Swagger UI, the mail outbox, a generated key file
 * @param recoverWorkflows start lost in-flight workflows again when the API starts (the dev
 *     launcher's in-process Temporal forgets them)
 * @param restoreGrace how long the database a restore replaced is kept
 * @param exportLinkTtl how long an export's download link works (once)
 * @param importSourceHosts hosts ({@code host} or {@code host:port}, comma separated) a live
 *     import's source_url may name although they are the platform database's or a registered
 *     database server's; empty for none
 */
@ConfigurationProperties("taskifai")
public record AdminSettings(
    @DefaultValue(ProvisionTenantRequest.DEFAULT_VERIFICATION_TIMEOUT_TEXT)
        Duration verificationTimeout,
    @DefaultValue("") String adminJwtSecret,
    @DefaultValue("") String adminJwksUri,
    @DefaultValue("") String adminJwtIssuer,
    @DefaultValue("") String adminJwtAudience,
    @DefaultValue("roles") String adminJwtRolesClaim,
    @DefaultValue("") String adminJwtMfaClaim,
    @DefaultValue("") String adminJwtRsaKeyFile,
    @DefaultValue("taskifai-admin-1") String adminJwtKeyId,
    @DefaultValue("PT15M") Duration mfaMaxAge,
    @DefaultValue("PT30M") Duration adminTokenTtl,
    @DefaultValue("false") boolean dev,
    @DefaultValue("false") boolean recoverWorkflows,
    @DefaultValue("PT24H") Duration restoreGrace,
    @DefaultValue("PT24H") Duration exportLinkTtl,
    @DefaultValue("") String importSourceHosts) {

  @Override
  public String toString() {
    // Never the secret.
    return "AdminSettings[dev=" + dev + "]";
  }
}
