import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { EXIT } from "./exit-codes.js";

interface ConnectFlags {
  url: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  room?: string;
  timeout: string;
}

export function registerConnectCommand(program: Command): void {
  program
    .command("connect")
    .description(
      "A terminal client: prints mail, room messages, presence and broadcasts as they arrive, " +
        "and sends what you type (/help). Reads commands from a pipe too, for scripts.",
    )
    .option(
      "-u, --url <url>",
      "server WebSocket URL (env POSTOFFICE_URL)",
      process.env.POSTOFFICE_URL ?? "ws://localhost:8080/ws",
    )
    .option("-t, --token <token>", "token to authenticate with (env POSTOFFICE_TOKEN)")
    .option("--token-file <file>", "read the token from a file")
    .option("-n, --username <name>", "connect without a token as NAME (anonymous or chat servers)")
    .option("-r, --room <room>", "join ROOM at start and make it the current room")
    .option("--timeout <seconds>", "give up on the first connection, and on a piped line", "10")
    .action(async (flags: ConnectFlags, command: Command) => {
      const usage = (message: string): never => command.error(message, { exitCode: EXIT.usage });
      const timeoutMs = Number(flags.timeout) * 1000;
      if (!(timeoutMs > 0)) usage(`error: --timeout must be a positive number of seconds`);
      const token = await resolveToken(flags, usage);
      let url: string;
      try {
        url = connectUrl(flags.url, token === undefined ? flags.username : undefined);
      } catch {
        return usage(`error: --url is not a URL: ${flags.url}`);
      }
      const [{ PostofficeClient }, { reportingWebSocket }, { runTerminalChat }] = await Promise.all(
        [
          import("../client/index.js"),
          import("./reporting-websocket.js"),
          import("./terminal-chat.js"),
        ],
      );
      const trouble: { last: string | undefined } = { last: undefined };
      const client = new PostofficeClient({
        url,
        token,
        WebSocket: reportingWebSocket((reason) => {
          trouble.last = reason;
        }),
      });
      const code = await runTerminalChat({
        client,
        url: displayUrl(url),
        join: flags.room,
        timeoutMs,
        input: process.stdin,
        trouble,
      });
      process.exitCode = code;
      // Everything is closed by now; should anything still hold the process, do not hang.
      setTimeout(() => process.exit(code), 2000).unref();
    });
}

/** `--token`, else `--token-file`, else POSTOFFICE_TOKEN (unless `--username` is given). */
async function resolveToken(
  flags: ConnectFlags,
  usage: (message: string) => never,
): Promise<string | undefined> {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    usage("error: give --token or --token-file, not both");
  }
  if (flags.username !== undefined && (flags.token ?? flags.tokenFile) !== undefined) {
    usage("error: --username connects without a token: leave out --token and --token-file");
  }
  if (flags.token !== undefined) return flags.token;
  if (flags.tokenFile !== undefined) {
    try {
      return (await readFile(flags.tokenFile, "utf8")).trim();
    } catch (error) {
      usage(`error: cannot read --token-file: ${(error as Error).message}`);
    }
  }
  if (flags.username !== undefined) return undefined;
  const fromEnv = process.env.POSTOFFICE_TOKEN;
  if (fromEnv) return fromEnv;
  return usage(
    "error: say who you are: --token, --token-file or POSTOFFICE_TOKEN, or --username NAME " +
      "for a server in anonymous or chat mode",
  );
}

/** The URL to open: `?username=NAME` added for an anonymous connection. */
export function connectUrl(url: string, username: string | undefined): string {
  const parsed = new URL(url);
  if (username !== undefined) parsed.searchParams.set("username", username);
  return parsed.toString();
}

/** The URL without a `?token=` someone may have put in it, for messages. */
function displayUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has("token")) parsed.searchParams.set("token", "…");
  return parsed.toString();
}
