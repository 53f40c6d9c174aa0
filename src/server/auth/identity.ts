/** Who a session is, as established by an authenticator. Never taken from a client frame. */
export interface Identity {
  userId: string;
  roles: string[];
  /** Claims of the token (JWT payload, webhook answer), for rules that need more than roles. */
  claims: Record<string, unknown>;
  /** Anonymous identities exist only in development mode. */
  anonymous: boolean;
  /** When the credential stops being valid (epoch ms), if it says so. */
  expiresAt?: number;
}
