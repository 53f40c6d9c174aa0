import { type Command, Option } from "commander";
import type { ApiErrorCode } from "../protocol/index.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

interface PublishFlags {
  to: string[];
  room?: string;
  broadcast?: boolean;
  data?: string;
  id?: string;
  url: string;
  key?: string;
  timeout: string;
  json?: boolean;
}

/** The body of `POST /api/v1/publish` the flags describe, or why they describe none. */
export function publishBody(
  flags: Pick<PublishFlags, "to" | "room" | "broadcast" | "data" | "id">,
  text: string | undefined,
): { ok: true; body: Record<string, unknown> } | { ok: false; why: string } {
  const targets = [flags.to.length > 0, flags.room !== undefined, flags.broadcast === true];
  if (targets.filter(Boolean).length !== 1) {
    return {
      ok: false,
      why: "say who gets it: --to USER (repeatable), --room ROOM or --broadcast",
    };
  }
  if ((text === undefined) === (flags.data === undefined)) {
    return { ok: false, why: 'give the mail as TEXT (sent as {"text": TEXT}) or --data JSON' };
  }
  let data: unknown = { text };
  if (flags.data !== undefined) {
    try {
      data = JSON.parse(flags.data);
    } catch {
      return { ok: false, why: "--data is not JSON" };
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      return { ok: false, why: "--data must be a JSON object" };
    }
  }
  const target =
    flags.to.length > 0
      ? { to: flags.to.length === 1 ? flags.to[0] : flags.to }
      : flags.room !== undefined
        ? { room: flags.room }
        : { broadcast: true };
  return {
    ok: true,
    body: { ...target, data, ...(flags.id === undefined ? {} : { id: flags.id }) },
  };
}

export function registerPublishCommand(program: Command): void {
  program
    .command("publish")
    .description(
      "Publish mail as a backend would, over the server HTTP API (POST /api/v1/publish, " +
        "docs/api.md) with an API key of scope `publish`: to users, a room, or everyone. " +
        "Prints the accepted mail ids; exit 0 accepted, 1 refused, 69 unreachable or unavailable.",
    )
    .argument("[text]", 'the mail, sent as {"text": TEXT} (or give --data)')
    .option(
      "--to <user>",
      "a recipient; repeat for several",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--room <room>", "a room's members get it")
    .option("--broadcast", "everyone connected gets it")
    .option("--data <json>", "the mail's body as a JSON object, instead of TEXT")
    .option("--id <key>", "idempotency key: the same key again is accepted once (Idempotency-Key)")
    .option(
      "-u, --url <url>",
      "the server's HTTP base URL (env POSTOFFICE_API_URL)",
      process.env.POSTOFFICE_API_URL ?? "http://localhost:8080",
    )
    .addOption(
      new Option("--key <key>", "API key (env POSTOFFICE_API_KEY, which keeps it out of `ps`)"),
    )
    .option("--timeout <seconds>", "give up after this long", "10")
    .option("--json", "print the server's JSON answer as it is")
    .action(async (text: string | undefined, flags: PublishFlags, command: Command) => {
      const usage = (message: string): never => command.error(message, { exitCode: EXIT.usage });
      const built = publishBody(flags, text);
      if (!built.ok) return usage(`error: ${built.why}`);
      const key = flags.key ?? process.env.POSTOFFICE_API_KEY;
      if (!key) return usage("error: give the API key: --key KEY or POSTOFFICE_API_KEY");
      const timeoutMs = Number(flags.timeout) * 1000;
      if (!(timeoutMs > 0)) return usage("error: --timeout must be a positive number of seconds");
      let url: URL;
      try {
        url = new URL("api/v1/publish", flags.url.endsWith("/") ? flags.url : `${flags.url}/`);
      } catch {
        return usage(`error: --url is not a URL: ${flags.url}`);
      }
      process.exitCode = await publish(url, key, built.body, timeoutMs, flags.json === true);
    });
}

async function publish(
  url: URL,
  key: string,
  body: Record<string, unknown>,
  timeoutMs: number,
  json: boolean,
): Promise<ExitCode> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    process.stderr.write(
      `postoffice: cannot reach ${url.origin}: ${cause ?? (error as Error).message}\n`,
    );
    return EXIT.unavailable;
  }
  if (json) process.stdout.write(`${text}\n`);
  const answer = parse(text);
  if (response.status === 202) {
    if (!json) {
      for (const item of answer?.accepted ?? []) {
        const where = item.to ?? (item.room === undefined ? "everyone" : `room ${item.room}`);
        process.stdout.write(`accepted ${item.id} → ${where}\n`);
      }
    }
    return EXIT.ok;
  }
  const error = answer?.error;
  const code = error?.code ?? `HTTP ${response.status}`;
  const at = error?.pointer === undefined ? "" : ` (at ${error.pointer})`;
  process.stderr.write(`postoffice: ${code}: ${error?.message ?? text.slice(0, 200)}${at}\n`);
  // 503: the node or its store is away for now; worth retrying, as for an unreachable server.
  return response.status === 503 ? EXIT.unavailable : EXIT.failed;
}

interface Answer {
  accepted?: Array<{ id: string; to?: string; room?: string }>;
  error?: { code: ApiErrorCode; message: string; pointer?: string };
}

function parse(text: string): Answer | undefined {
  try {
    return JSON.parse(text) as Answer;
  } catch {
    return undefined;
  }
}
