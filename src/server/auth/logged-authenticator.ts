import type { AuthWarnings } from "./auth-warnings.js";
import { AuthError, type Authenticator, type Credentials, toAuthError } from "./authenticator.js";
import type { Identity } from "./identity.js";

/**
 * Tells the operator when an authenticator cannot check tokens (`auth_unavailable`: the
 * webhook or JWKS is down, slow or answers wrongly), through a throttle, one key per kind. An
 * expected failure is logged by its message, without a stack; a bug (anything that is not an
 * AuthError) keeps its stack. Refused tokens are the client's business: the metrics count them.
 */
export class LoggedAuthenticator implements Authenticator {
  constructor(
    private readonly kind: string,
    private readonly inner: Authenticator,
    private readonly warnings: AuthWarnings,
  ) {}

  async authenticate(credentials: Credentials): Promise<Identity> {
    try {
      return await this.inner.authenticate(credentials);
    } catch (error) {
      const refusal = toAuthError(error);
      if (!(error instanceof AuthError)) {
        this.warnings.warn(
          `authenticator_failed:${this.kind}`,
          { authenticator: this.kind, err: error },
          "authenticator failed unexpectedly",
        );
      } else if (refusal.reason === "auth_unavailable") {
        this.warnings.warn(
          `auth_unavailable:${this.kind}`,
          { authenticator: this.kind, detail: refusal.message },
          "authentication unavailable",
        );
      }
      throw refusal;
    }
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
