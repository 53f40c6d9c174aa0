import { text } from "node:stream/consumers";
import { type Command, InvalidArgumentError, Option } from "commander";
import { CLOSE_CODES } from "../protocol/index.js";
import type { TokenCheck } from "./check-token.js";
import { EXIT, exitWith } from "./exit-codes.js";

interface TokenFlags {
  sub?: string;
  role: string[];
  ttl: number;
  config?: string;
  check?: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30s`, `15m`, `1h`, `7d` → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNITS[match[2] as string] as number) : 0;
  if (!(seconds > 0)) {
    throw new InvalidArgumentError(`--ttl is a number and a unit: 30s, 15m, 1h or 7d.`);
  }
  return seconds;
}

export function registerTokenCommand(program: Command): void {
  program
    .command("token")
    .description(
      "Print a JWT (HS256, or the first HS* of auth.jwt.algorithms) signed with the configured " +
        "secret (auth.jwt.secret / POSTOFFICE_JWT_SECRET, or the development secret in the data " +
        "directory), for development and scripts; stderr says which secret. With --check, say " +
        "what the server would decide about a token, and why.",
    )
    .option("--sub <user>", "user id (the `sub` claim, or auth.jwt.userClaim)")
    .option(
      "--role <role>",
      "a role; repeat for several",
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .addOption(
      new Option("--ttl <duration>", "lifetime: 30s, 15m, 1h, 7d")
        .argParser(parseTtl)
        .default(3600, "1h"),
    )
    .option(
      "--check <token>",
      "check TOKEN (`-`: read it from stdin) as the server would: exit 0 accepted, 1 refused",
    )
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .action(async (flags: TokenFlags, command: Command) => {
      const usage = (message: string): never => command.error(message, { exitCode: EXIT.usage });
      if (flags.check !== undefined) {
        if (flags.sub !== undefined || flags.role.length > 0) {
          usage("error: --check checks a token; --sub and --role mint one: give one or the other");
        }
        process.exitCode = await runCheck(flags.check, flags.config);
        return;
      }
      if (flags.sub === undefined) {
        usage("error: give --sub USER to mint a token (or --check TOKEN to check one)");
      }
      await runMint(flags.sub as string, flags);
    });
}

async function runMint(sub: string, flags: TokenFlags): Promise<void> {
  const { loadConfigOrExit } = await import("./load-config-or-exit.js");
  const { mintToken, signingKey } = await import("./mint-token.js");
  const loaded = await loadConfigOrExit({ config: flags.config });
  const key = await signingKey(loaded);
  if (!key.ok) exitWith(EXIT.config, key.why);
  const token = await mintToken(loaded, key.secret, {
    sub,
    roles: flags.role,
    ttlSeconds: flags.ttl,
  });
  // The token alone on stdout, for `TOKEN=$(postoffice token …)`; the rest on stderr.
  if (key.warning !== undefined) process.stderr.write(`postoffice: warning: ${key.warning}\n`);
  process.stderr.write(`postoffice: signed with ${key.said}\n`);
  process.stdout.write(`${token}\n`);
}

async function runCheck(given: string, configFile: string | undefined): Promise<number> {
  const token = given === "-" ? (await text(process.stdin)).trim() : given.trim();
  const { loadConfigOrExit } = await import("./load-config-or-exit.js");
  const { checkToken } = await import("./check-token.js");
  const loaded = await loadConfigOrExit({ config: configFile });
  const check = await checkToken(loaded, token);
  process.stdout.write(`${describeCheck(check, Date.now())}\n`);
  if (check.verdict.accepted) return EXIT.ok;
  return check.verdict.reason === "auth_unavailable" ? EXIT.unavailable : EXIT.failed;
}

/** The answer as lines: the verdict first, then what decided it. Never the token or a secret. */
export function describeCheck({ verdict, checkedWith, notes }: TokenCheck, now: number): string {
  const lines: string[] = [];
  if (verdict.accepted) {
    const { userId, roles, expiresAt } = verdict.identity;
    lines.push(`accepted: user ${userId}, roles: ${roles.length > 0 ? roles.join(", ") : "none"}`);
    lines.push(
      expiresAt === undefined
        ? "expires: never"
        : `expires: ${new Date(expiresAt).toISOString()} (${inWords(expiresAt - now)})`,
    );
  } else {
    lines.push(`refused: ${verdict.reason}: ${verdict.message}`);
    const close =
      verdict.reason === "auth_unavailable" ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.unauthorized;
    lines.push(`the server would answer \`unauthorized\` and close with ${close}`);
  }
  lines.push(`checked with: ${checkedWith}`);
  for (const note of notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}

/** "in 59 minutes", "in 3 days" */
function inWords(ms: number): string {
  if (ms < 0) return "just expired, still inside auth.jwt.clockToleranceSec";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "in less than a minute";
  if (minutes < 120) return `in ${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `in ${hours} hours` : `in ${Math.round(hours / 24)} days`;
}
