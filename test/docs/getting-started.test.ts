import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/child-server.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, type Frame } from "../support/test-client.js";
import { launchChromium, pageErrors } from "../web/browser.js";
import { DocShell, inOrder, type Running } from "./doc-shell.js";
import { readDoc, section } from "./markdown.js";

/**
 * docs/getting-started.md, run as a reader would: each `run:` block's commands as written (see
 * DocShell for the little that changes: ports, data directory, loopback), and their output
 * checked against the page's `output:` blocks.
 */
const PAGE = "docs/getting-started.md";
const TEST_FILE = "test/docs/getting-started.test.ts";
const markdown = await readDoc(PAGE);

async function shell(): Promise<DocShell> {
  const ports = { "8080": await freePort(), "8081": await freePort(), "6379": await freePort() };
  return DocShell.create({ page: PAGE, markdown, testFile: TEST_FILE, ports });
}

/** Step 1: `npm install` (done: this checkout is installed), then `npm start`, until ready. */
async function startServer(sh: DocShell): Promise<Running> {
  const [install, start, ...rest] = sh.block("start");
  expect([install, rest]).toEqual(["npm install", []]);
  const server = sh.start(start ?? "");
  // npm start builds first when the sources changed since the last build (not under npm test).
  await server.waitFor(sh.expectedOutput("start"), 120_000);
  return server;
}

/** Runs the lines of a block that only set variables (`NAME=$(…)`). */
async function assignments(sh: DocShell, name: string): Promise<void> {
  for (const line of sh.block(name).filter((line) => /^[A-Z_]+=\$\(/.test(line))) {
    await sh.run(line);
  }
}

describe("README.md's two commands", () => {
  it("are step 1 of docs/getting-started.md, which the next test runs", async () => {
    const readme = await DocShell.create({
      page: "README.md",
      markdown: await readDoc("README.md"),
      testFile: TEST_FILE,
      ports: {},
    });
    expect(readme.block("start")).toEqual((await shell()).block("start"));
  });
});

describe("docs/getting-started.md, steps 1, 2 and 4 (one node)", () => {
  let sh: DocShell | undefined;
  afterEach(async () => {
    await sh?.stopAll();
    sh = undefined;
  });

  it("starts with npm start, mints tokens, and mail to bob waits for him across a restart", async () => {
    sh = await shell();
    let server = await startServer(sh);

    // 2. Tokens: each line prints a JWT, and which secret signed it.
    for (const line of sh.block("tokens")) {
      const minted = await sh.run(line);
      expect(minted.code, minted.stderr).toBe(0);
      const printed = `${minted.stdout}${minted.stderr}`;
      expect(inOrder(printed, sh.expectedOutput("tokens")), printed).toBe(true);
    }

    // 4. alice mails bob, who is offline.
    const [sendLine, ...sends] = sh.block("offline-send");
    await sh.run(sendLine ?? "");
    let printed = "";
    for (const line of sends) {
      const sent = await sh.run(line);
      expect(sent.code, sent.stderr).toBe(0);
      printed += sent.stdout;
    }
    expect(printed.trim().split("\n")).toEqual(["[you → bob] Are you there?"]);
    expect(sh.expectedOutput("offline-send")).toHaveLength(1);

    // "you may even stop the server with Ctrl-C and npm start it again"
    await server.stop();
    expect(server.output).toContain("shutting down");
    server = await startServer(sh);

    // bob connects: the mail is printed, and acknowledged.
    const [receiveLine, connect, ...more] = sh.block("offline-receive");
    expect(more).toEqual([]);
    await sh.run(receiveLine ?? "");
    const bob = sh.start(connect ?? "");
    await bob.waitFor(sh.expectedOutput("offline-receive"));
    expect(await bob.endInput()).toBe(0);

    // "connect as bob once more, and nothing is printed": his mailbox starts after the ack.
    const again = await connectAs(`ws://127.0.0.1:${sh.port("8080")}/ws`, sh.vars.BOB ?? "");
    const welcome = again.frames.find((frame: Frame) => frame.type === "welcome");
    expect(welcome?.data).toMatchObject({ user: "bob", mailbox: { after: 1 } });
    await again.close();
  }, 240_000);
});

describeWith("chromium", "docs/getting-started.md, step 3 (the browser chat)", () => {
  let browser: Browser;
  let sh: DocShell | undefined;
  const WAIT = { timeout: 15_000 };
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await sh?.stopAll();
    sh = undefined;
  });

  it("signs alice and bob in with the minted tokens; a room and a direct message work", async () => {
    sh = await shell();
    await startServer(sh);
    const [aliceLine, bobLine] = sh.block("tokens");
    const token = async (line: string | undefined) => (await sh?.run(line ?? ""))?.stdout.trim();
    const tokens = { alice: await token(aliceLine), bob: await token(bobLine) };
    const text = section(markdown, "## 3. Chat in the browser");
    for (const words of ["Sign in", "Rooms", "Join", "Direct messages", "Open", "delivered"]) {
      expect(text).toContain(words);
    }

    const open = async (user: "alice" | "bob"): Promise<{ page: Page; errors: string[] }> => {
      const page = await (await browser.newContext()).newPage();
      const errors = pageErrors(page);
      await page.goto(`http://127.0.0.1:${sh?.port("8080")}/`);
      await page.fill("#token", tokens[user] ?? "");
      await page.click("#sign-in button:has-text('Sign in')");
      await page.locator("#chat-view").waitFor({ state: "visible", ...WAIT });
      return { page, errors };
    };
    const alice = await open("alice");
    const bob = await open("bob");
    for (const { page } of [alice, bob]) {
      await page.fill("#room-name", "lobby");
      await page.click("#join-form button:has-text('Join')");
      await page.locator("#title", { hasText: "# lobby" }).waitFor(WAIT);
    }
    await alice.page.locator("#members li", { hasText: "bob" }).waitFor(WAIT);
    await bob.page.fill("#text", "hello lobby");
    await bob.page.press("#text", "Enter");
    await alice.page.locator(".msg", { hasText: "hello lobby" }).waitFor(WAIT);

    await alice.page.fill("#dm-user", "bob");
    await alice.page.click("#dm-form button:has-text('Open')");
    await alice.page.fill("#text", "Hi Bob");
    await alice.page.press("#text", "Enter");
    await bob.page.locator("#dm-list button", { hasText: "alice" }).waitFor(WAIT);
    await alice.page.locator('.msg.mine .receipt[data-status="delivered"]').waitFor(WAIT);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
    for (const { page } of [alice, bob]) await page.context().close();
  }, 240_000);
});

describeWith("redis-server", "docs/getting-started.md, step 5 (a second node on Redis)", () => {
  let sh: DocShell | undefined;
  afterEach(async () => {
    await sh?.stopAll();
    sh = undefined;
  });

  it("runs two nodes on one Redis: mail and a room reach bob on the other node", async () => {
    sh = await shell();
    const [redisLine] = sh.block("redis");
    const redis = sh.start(redisLine ?? "");
    await redis.waitFor([/Ready to accept connections/]);
    await assignments(sh, "offline-send"); // $ALICE
    await assignments(sh, "offline-receive"); // $BOB

    for (const node of ["node-1", "node-2"]) {
      const [exported, start] = sh.block(node);
      await sh.run(exported ?? "");
      const server = sh.start(start ?? "");
      await server.waitFor([/postoffice is ready/], 30_000);
    }

    const [bobLine] = sh.block("bob-on-node-2");
    const bob = sh.start(bobLine ?? "");
    await bob.waitFor([/\(connected as bob\)/]);
    // Presence of bob's own join is the room's answer: alice may write once bob is in.
    await bob.waitFor([/joined #lobby|in #lobby/]);
    for (const line of sh.block("alice-on-node-1")) {
      const sent = await sh.run(line);
      expect(sent.code, `${line}\n${sent.stdout}${sent.stderr}`).toBe(0);
    }
    await bob.waitFor(sh.expectedOutput("bob-on-node-2"));
    expect(await bob.endInput()).toBe(0);
  }, 240_000);
});
