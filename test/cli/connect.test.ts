import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseLine, ROOM_NAME_RULE } from "../../src/cli/chat-commands.js";
import {
  bodyText,
  formatError,
  formatMail,
  formatReceipt,
  oneLine,
} from "../../src/cli/chat-format.js";
import { connectUrl } from "../../src/cli/connect-command.js";
import { SentMail } from "../../src/cli/sent-mail.js";
import { decodeClientFrame, PostofficeError } from "../../src/client/index.js";
import { CLI, freePort } from "../support/child-server.js";
import { describeWith, programPath } from "../support/system-programs.js";
import { connectAs, TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** The built CLI as a child process, its standard input a pipe the test writes to. */
interface Connected {
  child: ChildProcess;
  out: () => string;
  /** Waits until everything printed (stdout and stderr) matches. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

function watch(child: ChildProcess): Connected {
  let text = "";
  const printed = new EventEmitter();
  const append = (chunk: Buffer): void => {
    text += chunk.toString();
    printed.emit("text");
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const waitFor = (pattern: RegExp, timeoutMs = 5000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pattern.test(text)) return;
        stop();
        resolve();
      };
      const stop = (): void => {
        clearTimeout(timer);
        printed.off("text", check);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no ${pattern} in output:\n${text}`));
      }, timeoutMs);
      printed.on("text", check);
      check();
    });
  return { child, out: () => text, waitFor, exited };
}

/** Bounded: a child that does not exit in time is a failure, not a hung test. */
async function exitCode(cli: Connected, timeoutMs = 8000): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running; output:\n${cli.out()}`)), timeoutMs);
  });
  try {
    return await Promise.race([cli.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("postoffice connect", () => {
  let server: TestServer | undefined;
  const children: ChildProcess[] = [];
  const sockets: TestClient[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await server?.stop();
    server = undefined;
  });

  const connect = (args: string[], env: Record<string, string> = {}): Connected => {
    const child = spawn(process.execPath, [CLI, "connect", "--url", server?.url ?? "", ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.push(child);
    return watch(child);
  };
  const user = async (token: string): Promise<TestClient> => {
    const client = await connectAs(server?.url ?? "", token);
    sockets.push(client);
    return client;
  };

  it("sends piped mail in order, prints each once accepted, and exits 0 at the end of input", async () => {
    server = await startTestServer();
    const bob = await user("bob-static-token");
    const cli = connect(["--token", "alice-static-token"]);
    cli.child.stdin?.end("/to bob first\n/to bob second\n");
    expect(await exitCode(cli)).toBe(0);
    expect(cli.out()).toMatch(/\(connected as alice\)/);
    expect(cli.out()).toMatch(/\[you → bob\] first\n\[you → bob\] second/);
    const first = await bob.next((f) => f.type === "message");
    const second = await bob.next((f) => f.type === "message");
    expect(first.data).toMatchObject({ from: "alice", body: { text: "first" } });
    expect(second.data).toMatchObject({ from: "alice", body: { text: "second" } });
  });

  it("joins with /join and says plain text in that room (token from POSTOFFICE_TOKEN)", async () => {
    server = await startTestServer();
    const bob = await user("bob-static-token");
    bob.send({ type: "join", id: "j1", data: { room: "lobby" } });
    await bob.nextOfType("joined");
    const cli = connect([], { POSTOFFICE_TOKEN: "alice-static-token" });
    cli.child.stdin?.end("/join lobby\nhello lobby\n/who\n");
    expect(await exitCode(cli)).toBe(0);
    const said = await bob.next((f) => f.type === "message");
    expect(said.data).toMatchObject({
      room: "lobby",
      from: "alice",
      body: { text: "hello lobby" },
    });
    expect(cli.out()).toMatch(/\(joined #lobby\)/);
    expect(cli.out()).toMatch(/\[#lobby\] alice: hello lobby/);
    expect(cli.out()).toMatch(/#lobby: (alice, bob|bob, alice)/);
  });

  it("prints incoming mail, presence, room messages, broadcasts and receipts as they come (--token-file)", async () => {
    server = await startTestServer();
    const file = join(server.dir, "token");
    await writeFile(file, "bob-static-token\n");
    const cli = connect(["--token-file", file, "--room", "lobby"]);
    await cli.waitFor(/\(joined #lobby\)/);
    const alice = await user("alice-static-token");
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "hi bob" } });
    await cli.waitFor(/\[alice → you\] hi bob/);
    // The CLI acknowledged it: alice hears that it was delivered.
    expect(
      (await alice.next((f) => f.type === "receipt" && f.data?.status === "delivered")).data,
    ).toMatchObject({ to: "bob" });
    alice.send({ type: "join", id: "j1", data: { room: "lobby" } });
    await cli.waitFor(/\* alice joined #lobby/);
    alice.send({ type: "message", id: "m2", data: { room: "lobby", text: "hi room" } });
    await cli.waitFor(/\[#lobby\] alice: hi room/);
    alice.send({ type: "broadcast", id: "b1", data: { text: "notice" } });
    await cli.waitFor(/\[broadcast\] alice: notice/);
    cli.child.stdin?.write("/to alice pong\n");
    const mail = await alice.next((f) => f.type === "message" && f.data?.to === "alice");
    alice.send({ type: "ack", data: { seq: mail.data?.seq } });
    // The receipt names the mail it is about.
    await cli.waitFor(/✓ delivered to alice: "pong"/);
    cli.child.stdin?.end();
    expect(await exitCode(cli)).toBe(0);
  });

  it("keeps the acknowledgements of what it printed: the next run does not print it again", async () => {
    server = await startTestServer();
    const alice = await user("alice-static-token");
    alice.send({ type: "message", id: "m1", data: { to: "bob", text: "only once" } });
    await alice.next((f) => f.type === "receipt" && f.data?.status === "accepted");
    const first = connect(["--token", "bob-static-token"]);
    await first.waitFor(/\[alice → you\] only once/);
    first.child.stdin?.end();
    expect(await exitCode(first)).toBe(0);
    // The replay comes before the answer to `/who`, so by the end it would have been printed.
    const second = connect(["--token", "bob-static-token"]);
    second.child.stdin?.end("/who lobby\n");
    expect(await exitCode(second)).toBe(0);
    expect(second.out()).toMatch(/#lobby: nobody/);
    expect(second.out()).not.toMatch(/only once/);
  });

  it("exits 1 when a piped line is refused, after printing why, and still runs the rest", async () => {
    server = await startTestServer();
    const cli = connect(["--token", "bob-static-token"]);
    cli.child.stdin?.end("/broadcast hello all\n/to alice still sent\n");
    expect(await exitCode(cli)).toBe(1);
    expect(cli.out()).toMatch(/! forbidden: .*\(permissions\.broadcast\)/);
    expect(cli.out()).toMatch(/\[you → alice\] still sent/);
  });

  it("exits 1 on a refused token, saying why once, and 64 without any identity", async () => {
    server = await startTestServer();
    const refused = connect(["--token", "not-a-token"]);
    refused.child.stdin?.end();
    expect(await exitCode(refused)).toBe(1);
    const said = refused
      .out()
      .split("\n")
      .filter((line) => line.startsWith("!"));
    expect(said).toEqual([
      "! unauthorized: no configured authenticator recognises the token (token_unknown)",
    ]);
    const nobody = connect([]);
    nobody.child.stdin?.end();
    expect(await exitCode(nobody)).toBe(64);
    expect(nobody.out()).toMatch(/--username/);
  });

  it("says why it cannot connect (nothing listening), and exits 69 once --timeout runs out", async () => {
    const port = await freePort();
    const cli = spawn(
      process.execPath,
      [CLI, "connect", "--url", `ws://127.0.0.1:${port}/ws`, "--token", "t", "--timeout", "1"],
      { env: { PATH: process.env.PATH ?? "" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    children.push(cli);
    const watched = watch(cli);
    cli.stdin?.end();
    expect(await exitCode(watched)).toBe(69);
    expect(watched.out()).toContain(
      `(cannot connect: connect ECONNREFUSED 127.0.0.1:${port}; retrying…)`,
    );
    expect(watched.out()).toContain(
      `! timeout: not connected within 1 s (connect ECONNREFUSED 127.0.0.1:${port})`,
    );
  });

  it("shows the server's reason when it refuses the upgrade", async () => {
    server = await startTestServer();
    // Pointed at the wrong path: the server answers 404 and says where the endpoint is.
    const wrong = spawn(
      process.execPath,
      [
        CLI,
        "connect",
        "--url",
        server.url.replace(/\/ws$/, "/nope"),
        "--token",
        "t",
        "--timeout",
        "1",
      ],
      { env: { PATH: process.env.PATH ?? "" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    children.push(wrong);
    const watched = watch(wrong);
    wrong.stdin?.end();
    expect(await exitCode(watched)).toBe(69);
    expect(watched.out()).toContain(
      "(cannot connect: HTTP 404: WebSocket endpoint is /ws.; retrying…)",
    );
  });

  it("answers a bad room name with the naming rule, not with usage", async () => {
    server = await startTestServer();
    const cli = connect(["--token", "alice-static-token"]);
    cli.child.stdin?.end("/join bad room!\n");
    expect(await exitCode(cli)).toBe(1);
    expect(cli.out()).toContain(
      '! "bad room!" is not a room name: a room name is 1–64 letters, digits or . _ : -, starting with a letter or digit',
    );
  });

  it("--username on a chat server: named john-2 when john is taken, plain text goes to the chat", async () => {
    server = await startTestServer({ preset: "chat" });
    const john = new TestClient(`${server.url}?username=john`, ["postoffice.v1"]);
    sockets.push(john);
    expect((await john.nextOfType("welcome")).data).toMatchObject({ user: "~john" });
    const cli = connect(["--username", "john"]);
    cli.child.stdin?.end("hello chat\n");
    expect(await exitCode(cli)).toBe(0);
    expect(cli.out()).toMatch(/\(connected as ~john-2\)/);
    const said = await john.next((f) => f.type === "message" && f.data?.from === "~john-2");
    expect(said.data).toMatchObject({ room: "chat", body: { text: "hello chat" } });
  });

  it("in chat mode, two terminals show their own lines and each other's, and who joined and left", async () => {
    server = await startTestServer({ preset: "chat" });
    const first = connect(["--username", "john"]);
    await first.waitFor(/\(connected as ~john\)\n\(joined #chat\)/);
    await first.waitFor(/\* ~john joined #chat/);
    const second = connect(["--username", "john"]);
    await second.waitFor(/\(connected as ~john-2\)\n\(joined #chat\)/);
    await first.waitFor(/\* ~john-2 joined #chat/);
    first.child.stdin?.write("hello from the first\n");
    await first.waitFor(/\[#chat\] ~john: hello from the first/);
    await second.waitFor(/\[#chat\] ~john: hello from the first/);
    second.child.stdin?.end("hi from the second\n");
    await first.waitFor(/\[#chat\] ~john-2: hi from the second/);
    expect(await exitCode(second)).toBe(0);
    expect(second.out()).toMatch(/\[#chat\] ~john-2: hi from the second/);
    await first.waitFor(/\* ~john-2 left #chat/);
    first.child.stdin?.end();
    expect(await exitCode(first)).toBe(0);
  });

  describeWith("script", "at a terminal", () => {
    it("interactive through a pseudo-terminal: prompt, /join, text, mail marked read, Ctrl-C exits 0", async () => {
      server = await startTestServer();
      const bob = await user("bob-static-token");
      bob.send({ type: "join", id: "j1", data: { room: "lobby" } });
      await bob.nextOfType("joined");
      const command = `'${process.execPath}' '${CLI}' connect --url '${server.url}' --token alice-static-token`;
      const child = spawn(programPath("script"), ["-qfec", command, "/dev/null"], {
        env: { PATH: process.env.PATH ?? "", TERM: "dumb" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      children.push(child);
      const cli = watch(child);
      await cli.waitFor(/> /);
      child.stdin?.write("/join lobby\r");
      await cli.waitFor(/\(joined #lobby\)/);
      child.stdin?.write("hello from a tty\r");
      const said = await bob.next((f) => f.type === "message" && f.data?.room === "lobby");
      expect(said.data).toMatchObject({ from: "alice", body: { text: "hello from a tty" } });
      bob.send({ type: "message", id: "m1", data: { to: "alice", text: "seen?" } });
      await cli.waitFor(/\[bob → you\] seen\?/);
      // Shown at a terminal: bob gets a `read` receipt.
      expect(
        (await bob.next((f) => f.type === "receipt" && f.data?.status === "read")).data,
      ).toMatchObject({ to: "alice" });
      child.stdin?.write("\u0003");
      expect(await exitCode(cli)).toBe(0);
    });
  });
});

describe("the connect command's pure parts", () => {
  it("parses lines into actions", () => {
    expect(parseLine("")).toEqual({ kind: "none" });
    expect(parseLine("   ")).toEqual({ kind: "none" });
    expect(parseLine("hello there ")).toEqual({ kind: "say", text: "hello there" });
    expect(parseLine("//etc/passwd is a path")).toEqual({
      kind: "say",
      text: "/etc/passwd is a path",
    });
    expect(parseLine("/to bob hi  there")).toEqual({ kind: "mail", to: "bob", text: "hi  there" });
    expect(parseLine("/TO bob hi")).toEqual({ kind: "mail", to: "bob", text: "hi" });
    expect(parseLine("/to bob")).toEqual({ kind: "usage", message: "usage: /to USER TEXT" });
    expect(parseLine("/join lobby")).toEqual({ kind: "join", room: "lobby" });
    expect(parseLine("/join")).toMatchObject({ kind: "usage", message: "usage: /join ROOM" });
    expect(parseLine("/join a b")).toEqual({
      kind: "usage",
      message: `"a b" is not a room name: a room name is ${ROOM_NAME_RULE}`,
    });
    expect(parseLine("/who -x")).toMatchObject({ kind: "usage", message: /not a room name/ });
    expect(parseLine("/leave")).toEqual({ kind: "leave", room: undefined });
    expect(parseLine("/leave lobby")).toEqual({ kind: "leave", room: "lobby" });
    expect(parseLine("/room dev")).toEqual({ kind: "room", room: "dev" });
    expect(parseLine("/who")).toEqual({ kind: "who", room: undefined });
    expect(parseLine("/who lobby")).toEqual({ kind: "who", room: "lobby" });
    expect(parseLine("/broadcast  maintenance at noon")).toEqual({
      kind: "broadcast",
      text: "maintenance at noon",
    });
    expect(parseLine("/broadcast")).toMatchObject({ kind: "usage" });
    expect(parseLine("/quit")).toEqual({ kind: "quit" });
    expect(parseLine("/help")).toEqual({ kind: "help" });
    expect(parseLine("/frobnicate")).toEqual({
      kind: "usage",
      message: "unknown command /frobnicate: /help lists the commands",
    });
  });

  it("states the room naming rule as the protocol does", () => {
    const refused = decodeClientFrame(JSON.stringify({ type: "join", data: { room: "a b" } }), {
      maxDepth: 8,
      maxStringLength: 100,
    });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain(ROOM_NAME_RULE);
  });

  it("names the mail a receipt is about, by its text or, if not sent from here, its id", () => {
    const sent = new SentMail();
    sent.remember("m1", "bob", "see you at five, by the old mill, unless it rains again");
    const receipt = { status: "delivered", ref: "c1", mailId: "m1", to: "bob", ts: 0 } as const;
    expect(formatReceipt(receipt, sent.textOf(receipt))).toBe(
      '✓ delivered to bob: "see you at five, by the old mill, unles…"',
    );
    const read = { ...receipt, status: "read" } as const;
    expect(formatReceipt(read, sent.textOf(read))).toMatch(/^✓ read by bob: "see you/);
    // Forgotten once read.
    expect(formatReceipt(read, sent.textOf(read))).toBe("✓ read by bob: mail m1");
  });

  it("formats one line each, without the sender's control characters", () => {
    expect(oneLine("a\nb\u001b[2Jc")).toBe("a↵b�[2Jc");
    expect(bodyText({ text: "hi" })).toBe("hi");
    expect(bodyText({ n: 1 })).toBe('{"n":1}');
    expect(
      formatMail({ id: "1", seq: 1, from: "bob", to: "alice", ts: 0, body: { text: "hi" } }),
    ).toBe("[bob → you] hi");
    expect(
      formatError(new PostofficeError("forbidden", "no", { reason: "permissions.broadcast" })),
    ).toBe("! forbidden: no (permissions.broadcast)");
    // A message that already gives the reason is not followed by it again.
    expect(
      formatError(
        new PostofficeError("closed", "refused (4401 token_unknown).", { reason: "token_unknown" }),
      ),
    ).toBe("! closed: refused (4401 token_unknown).");
  });

  it("adds ?username= for an anonymous connection only", () => {
    expect(connectUrl("ws://127.0.0.1:8080/ws", "john smith")).toBe(
      "ws://127.0.0.1:8080/ws?username=john+smith",
    );
    expect(connectUrl("ws://127.0.0.1:8080/ws?x=1", undefined)).toBe("ws://127.0.0.1:8080/ws?x=1");
  });
});
