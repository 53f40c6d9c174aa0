import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PostofficeClient, type PostofficeError } from "../../src/client/index.js";
import { type ChildServer, freePort, startCli } from "../support/child-server.js";
import { signToken } from "../support/test-client.js";
import { until } from "../support/until.js";
import { output, ROOT, requireBuiltClient, runExample } from "./run-example.js";

const EXAMPLE = join(ROOT, "examples/events");

/** What the example's events send and what their notices carry, as an application types them. */
interface Sends {
  join_room: { name: string };
  send_message: { message: string };
  direct_message: { text: string };
  shout: { text: string };
}
interface Notices {
  user_joined: { user: { id: string; name: string } };
  new_message: { user: string; message: string };
  shout: { by: string; text: string };
}
type ChatClient = PostofficeClient<Sends, Notices>;

/**
 * The example run as its README says: its moderator (the webhook) and `postoffice start` on its
 * postoffice.yaml and plug-in, with real clients: the example's own terminal chat (chat.mjs) and
 * SDK clients. The files are the example's, copied to a temp dir with the webhook's port moved
 * to a free one (a test must not take 8091), and `postoffice/events` resolving to this build.
 */
describe("examples/events: a chat of declared events", () => {
  let dir: string;
  let moderator: ChildProcess | undefined;
  let server: ChildServer | undefined;
  let url = "";
  const clients: Array<{ close(): void }> = [];

  beforeAll(async () => {
    requireBuiltClient();
    dir = await mkdtemp(join(tmpdir(), "postoffice-events-example-"));
    await cp(join(EXAMPLE, "postoffice.yaml"), join(dir, "postoffice.yaml"));
    await cp(join(EXAMPLE, "plugins"), join(dir, "plugins"), { recursive: true });
    await mkdir(join(dir, "node_modules"));
    await symlink(ROOT, join(dir, "node_modules", "postoffice"), "dir");
    const port = await freePort();
    const config = await readFile(join(dir, "postoffice.yaml"), "utf8");
    const moved = config.replace(
      "http://127.0.0.1:8091/moderate",
      `http://127.0.0.1:${port}/moderate`,
    );
    expect(moved).not.toBe(config);
    await writeFile(join(dir, "postoffice.yaml"), moved);

    moderator = spawn(process.execPath, [join(EXAMPLE, "moderator.mjs")], {
      env: { ...process.env, MODERATOR_PORT: String(port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      moderator?.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("moderator on")) resolve();
      });
      moderator?.once("exit", (code) => reject(new Error(`the moderator exited ${code}`)));
    });
    const started = await startCli({ cwd: dir, args: ["--config", "postoffice.yaml"] });
    server = started.server;
    url = started.url;
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    server?.child.kill("SIGKILL");
    moderator?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  const connect = async (user: string): Promise<ChatClient> => {
    const client: ChatClient = new PostofficeClient<Sends, Notices>({
      url,
      token: () => signToken({ sub: user }),
      WebSocket,
    });
    clients.push(client);
    await client.connect();
    return client;
  };

  it("runs the terminal chat: a moderated message, a refused link, mail, the plug-in, a reply", async () => {
    const bob = await connect("bob");
    const heard: string[] = [];
    bob.on("user_joined", (payload) => void heard.push(`joined ${payload.user.name}`));
    bob.on("new_message", (payload) => void heard.push(`${payload.user}: ${payload.message}`));
    bob.on("shout", (payload) => void heard.push(`${payload.by} shouts ${payload.text}`));
    await bob.emit("join_room", "lobby", { name: "Bob" });

    const lines = [
      "hello darn world",
      "see https://spam.example",
      "/dm carol hi carol",
      "/shout quiet please",
      "/whoami",
      "/quit",
    ];
    const chat = spawn(process.execPath, [join(EXAMPLE, "chat.mjs"), "Alice", "lobby"], {
      cwd: ROOT,
      env: {
        ...process.env,
        POSTOFFICE_URL: url,
        POSTOFFICE_TOKEN: await signToken({ sub: "alice" }),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    chat.stdin?.end(`${lines.join("\n")}\n`);
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        let stdout = "";
        let stderr = "";
        chat.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        chat.stderr?.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        const timer = setTimeout(() => chat.kill("SIGKILL"), 20_000);
        chat.once("close", (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      },
    );
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "* joined lobby",
        "[lobby] alice: hello d*rn world",
        "! forbidden: No links in this room, please.",
        "* mailed carol",
        "[lobby] alice shouts QUIET PLEASE!!",
        "* you are alice (no roles)",
      ]),
    );
    await until(() => heard.length >= 4, "bob to hear alice");
    // A room's notices reach every member, the sender's connection included.
    expect(heard).toEqual([
      "joined Bob",
      "joined Alice",
      "alice: hello d*rn world",
      "alice shouts QUIET PLEASE!!",
    ]);

    // Carol was offline: the direct message waited in her mailbox.
    const carol = await connect("carol");
    const mail = await new Promise<{ from: string; body: unknown }>((resolve) => {
      carol.on("mail", (m) => resolve(m));
    });
    expect(mail).toMatchObject({ from: "alice", body: { text: "hi carol" } });
  }, 40_000);

  it("rate-limits send_message at 10 a minute, and refuses it when the webhook is down", async () => {
    const dan = await connect("dan");
    await dan.emit("join_room", "lobby", { name: "Dan" });
    for (let i = 0; i < 10; i++) await dan.emit("send_message", "lobby", { message: `m${i}` });
    const limited = await dan
      .emit("send_message", "lobby", { message: "m10" })
      .catch((error: unknown) => error as PostofficeError);
    expect(limited).toMatchObject({
      code: "rate_limited",
      details: { reason: "events.send_message.modifiers[0] (rate_limit)" },
    });

    const erin = await connect("erin");
    await erin.emit("join_room", "lobby", { name: "Erin" });
    moderator?.kill("SIGKILL");
    const down = await erin
      .emit("send_message", "lobby", { message: "anyone?" })
      .catch((error: unknown) => error as PostofficeError);
    expect(down).toMatchObject({
      code: "action_failed",
      details: { reason: "events.send_message.actions[0] (webhook)" },
    });
  }, 40_000);

  it("passes postoffice check", async () => {
    const run = await runExample(
      process.execPath,
      [join(ROOT, "dist/cli/main.js"), "check", "--config", join(EXAMPLE, "postoffice.yaml")],
      {},
      15_000,
    );
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(/OK \(6 events, 1 plug-in\)/);
  });
});
