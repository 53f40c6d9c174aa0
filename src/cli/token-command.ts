import type { Command } from "commander";
import { type Algorithm, createSigner } from "fast-jwt";
import { loadOrCreateDevSecret } from "../server/auth/dev-secret.js";
import { hmacKey } from "../server/auth/jwt-authenticator.js";
import { usesDevSecret } from "../server/compose/authenticator.js";
import { EXIT_CONFIG, loadConfigOrExit } from "./exit-codes.js";

interface TokenFlags {
  sub: string;
  role: string[];
  ttl: string;
  config?: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30s`, `15m`, `1h`, `7d` → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`--ttl must look like 30s, 15m, 1h or 7d (got "${text}")`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

export function registerTokenCommand(program: Command): void {
  program
    .command("token")
    .description(
      "Print a JWT (HS256, or the first HS* of auth.jwt.algorithms) signed with the configured secret (auth.jwt.secret / POSTOFFICE_JWT_SECRET, " +
        "or the development secret in the data directory). For development and scripts.",
    )
    .requiredOption("--sub <user>", "user id (the `sub` claim, or auth.jwt.userClaim)")
    .option(
      "--role <role>",
      "a role; repeat for several",
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option("--ttl <duration>", "lifetime: 30s, 15m, 1h, 7d", "1h")
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .action(async (flags: TokenFlags) => {
      process.stdout.write(`${await mintToken(flags)}\n`);
    });
}

async function mintToken(flags: TokenFlags): Promise<string> {
  const { config } = await loadConfigOrExit({ config: flags.config });
  const jwt = config.auth.jwt;
  let secret: string;
  if (jwt?.secret !== undefined) {
    secret = jwt.secret;
  } else if (usesDevSecret(config.auth)) {
    secret = (await loadOrCreateDevSecret(config.server.dataDir)).secret;
  } else {
    // Minting a token the server would refuse helps nobody: say why instead.
    const why =
      jwt?.publicKey || jwt?.publicKeyFile || jwt?.jwksUrl
        ? "auth.jwt uses a public key or JWKS; tokens are minted by whoever holds the private key"
        : "this configuration accepts no HS256 JWT (set auth.jwt.secret or POSTOFFICE_JWT_SECRET)";
    console.error(`postoffice: ${why}.`);
    process.exit(EXIT_CONFIG);
  }
  const claims: Record<string, unknown> = { [jwt?.rolesClaim ?? "roles"]: flags.role };
  const userClaim = jwt?.userClaim ?? "sub";
  if (userClaim !== "sub") claims[userClaim] = flags.sub;
  const sign = createSigner({
    key: Buffer.from(hmacKey(secret)),
    algorithm: (jwt?.algorithms?.find((alg) => alg.startsWith("HS")) ?? "HS256") as Algorithm,
    sub: flags.sub,
    iss: jwt?.issuer || undefined,
    aud: jwt?.audience || undefined,
    expiresIn: parseTtl(flags.ttl) * 1000,
  });
  return sign(claims);
}
