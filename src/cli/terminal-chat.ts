import { clearLine, createInterface, cursorTo } from "node:readline";
import type { PostofficeClient, PostofficeError } from "../client/index.js";
import { type ChatOutput, type ChatState, runAction } from "./chat-actions.js";
import { parseLine } from "./chat-commands.js";
import {
  formatBroadcast,
  formatError,
  formatMail,
  formatPresence,
  formatReceipt,
  formatRoomMessage,
  oneLine,
} from "./chat-format.js";
import { EXIT } from "./exit-codes.js";
import { SentMail } from "./sent-mail.js";

export interface TerminalChatOptions {
  client: PostofficeClient;
  /** For the messages: `ws://…` without secrets. */
  url: string;
  /** A room to join first, which becomes the current room. */
  join: string | undefined;
  /** Bound on the first connection, and on each piped line's answer. */
  timeoutMs: number;
  input: NodeJS.ReadStream;
  /** Why the last attempt to connect failed, as the socket told it; cleared once connected. */
  trouble: { last: string | undefined };
}

/**
 * `postoffice connect` once connected options are known: prints what arrives, one line each,
 * and runs the lines read from standard input. On a terminal (a TTY) it shows a `> ` prompt and
 * runs each line as it is typed; from a pipe it runs the lines in order, each after the answer
 * to the one before, and stops at the end of input. Resolves the exit status: 0; 1 if the
 * server refused the client or a piped line; 69 if it could not be reached in time.
 */
export async function runTerminalChat(options: TerminalChatOptions): Promise<number> {
  const { client, input, timeoutMs } = options;
  const interactive = input.isTTY === true;
  const rl = interactive
    ? createInterface({ input, output: process.stdout, terminal: true, prompt: "> " })
    : createInterface({ input, terminal: false });
  // Created at once, so that no line piped in while connecting is lost.
  const lines = rl[Symbol.asyncIterator]();
  let prompting = false;
  let finished = false;
  const write = (stream: NodeJS.WriteStream, line: string): void => {
    if (finished) return;
    if (prompting) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    stream.write(`${line}\n`);
    if (prompting) rl.prompt(true);
  };
  const io: ChatOutput = {
    out: (line) => write(process.stdout, line),
    err: (line) => write(process.stderr, line),
  };

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const finish = (code: number): void => {
    if (finished) return;
    if (prompting) process.stdout.write("\n");
    finished = true;
    prompting = false;
    client.close();
    rl.close();
    resolveDone(code);
  };
  /** A normal end: first the server confirms it kept the acks sent so far (bounded). */
  const end = async (code: number): Promise<void> => {
    if (!finished && client.connectionState === "open") {
      await within(
        client.flush().catch(() => undefined),
        Math.min(timeoutMs, 2000),
      );
    }
    finish(code);
  };
  const quit = (): void => void end(EXIT.ok);
  rl.on("SIGINT", quit);
  process.once("SIGINT", quit);
  process.once("SIGTERM", quit);
  // The current room: the one `--room` joins, else the first the server joins us to (chat mode).
  const state: ChatState = { current: undefined, sent: new SentMail() };
  wireEvents(client, io, { interactive, state, trouble: options.trouble }, () =>
    finish(EXIT.failed),
  );

  io.err(`(connecting to ${options.url}…)`);
  const connected = await within(
    client.connect().then(
      () => true,
      () => false,
    ),
    timeoutMs,
  );
  if (connected !== true) {
    // A refusal was printed by the `error` event; a timeout is said here, with the last reason.
    if (connected === TIMEOUT) {
      const why = options.trouble.last;
      io.err(
        `! timeout: not connected within ${timeoutMs / 1000} s${why ? ` (${oneLine(why)})` : ""}`,
      );
      finish(EXIT.unavailable);
    } else {
      finish(EXIT.failed);
    }
    return done;
  }
  let failed = false;
  if (options.join !== undefined) {
    failed = !(await runAction({ kind: "join", room: options.join }, client, state, io));
  }
  if (interactive) {
    io.err("(type /help for the commands; Ctrl-C to quit)");
    prompting = true;
    rl.prompt();
  }
  for (;;) {
    const next = await lines.next();
    if (next.done || finished) break;
    const action = parseLine(next.value);
    if (action.kind === "quit") break;
    if (interactive) {
      void runAction(action, client, state, io);
      rl.prompt();
      continue;
    }
    const ok = await within(runAction(action, client, state, io), timeoutMs);
    if (ok === TIMEOUT) {
      io.err(`! timeout: no answer within ${timeoutMs / 1000} s`);
      finish(EXIT.failed);
      break;
    }
    if (ok === false) failed = true;
  }
  await end(failed ? EXIT.failed : EXIT.ok);
  return done;
}

interface Wiring {
  interactive: boolean;
  state: ChatState;
  trouble: { last: string | undefined };
}

/** Prints what the server sends, one line each; `closed` is called if the server ends it all. */
function wireEvents(
  client: PostofficeClient,
  io: ChatOutput,
  { interactive, state, trouble }: Wiring,
  closed: () => void,
): void {
  /** The reason of the last refusal printed, so that the close that follows does not repeat it. */
  let refusedFor: string | undefined;
  client.on("mail", (mail) => {
    io.out(formatMail(mail));
    // Shown to a person at a terminal: the sender gets a `read` receipt.
    if (interactive) client.markRead(mail.seq);
  });
  client.on("roomMessage", (message) => io.out(formatRoomMessage(message)));
  client.on("presence", (event) => io.out(formatPresence(event)));
  client.on("broadcast", (message) => io.out(formatBroadcast(message)));
  client.on("receipt", (receipt) => io.out(formatReceipt(receipt, state.sent.textOf(receipt))));
  client.on("error", (error) => {
    const { code, details } = error as PostofficeError;
    // The server refused, then closed: the close says again what the refusal said.
    if (code === "closed" && details?.reason !== undefined && details.reason === refusedFor) return;
    refusedFor = details?.reason;
    io.err(formatError(error));
  });
  client.on("welcome", (info) => {
    trouble.last = undefined;
    io.err(`(connected as ${oneLine(info.user)})`);
    for (const room of info.rooms) io.err(`(joined #${room})`);
    state.current ??= info.rooms[0];
  });
  client.on("state", (connection) => {
    if (connection === "reconnecting") {
      io.err(
        trouble.last ? `(cannot connect: ${oneLine(trouble.last)}; retrying…)` : "(reconnecting…)",
      );
    }
    if (connection === "closed") closed();
  });
}

const TIMEOUT = Symbol("timeout");

/** The promise's value, or TIMEOUT if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
