import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeWith } from "../support/system-programs.js";
import { signToken } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { ARTIFACTS, launchChromium, pageErrors } from "./browser.js";

const WAIT = { timeout: 10_000 };

describeWith("chromium", "the web page and the dashboard in headless Chromium", () => {
  let browser: Browser;
  let server: TestServer | undefined;
  const pages: Page[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.context().close();
    await server?.stop();
    server = undefined;
  });

  /** A page in a browser context of its own (no shared storage), with its errors collected. */
  const open = async (path: string): Promise<{ page: Page; errors: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 680 } });
    const page = await context.newPage();
    pages.push(page);
    const errors = pageErrors(page);
    await page.goto(`${server?.httpUrl}${path}`);
    return { page, errors };
  };

  const signIn = async (page: Page, field: "#token" | "#username", value: string) => {
    await page.fill(field, value);
    await page.click("#sign-in button[type=submit]");
    await page.locator("#chat-view").waitFor({ state: "visible", ...WAIT });
  };

  it("signs alice and bob in with tokens; a direct message reaches bob, delivered, then read once he opens it", async () => {
    server = await startTestServer();
    const alice = await open("/");
    const bob = await open("/");
    await alice.page.screenshot({ path: join(ARTIFACTS, "sign-in.png") });
    await signIn(alice.page, "#token", await signToken({ sub: "alice" }, { expiresIn: "1h" }));
    await signIn(bob.page, "#token", await signToken({ sub: "bob" }, { expiresIn: "1h" }));
    expect(await alice.page.textContent("#me")).toBe("signed in as alice");
    expect(await bob.page.textContent("#status")).toBe("connected");

    // Both join a room: presence, members and a room message.
    for (const { page } of [alice, bob]) {
      await page.fill("#room-name", "lobby");
      await page.click("#join-form button");
      await page.locator("#title", { hasText: "# lobby" }).waitFor(WAIT);
    }
    await alice.page.locator(".event", { hasText: "bob joined" }).waitFor(WAIT);
    await alice.page.locator("#members li", { hasText: "bob" }).waitFor(WAIT);
    expect(await bob.page.locator("#members li").allTextContents()).toEqual(["alice", "bob (you)"]);
    await bob.page.fill("#text", "hello lobby");
    await bob.page.press("#text", "Enter");
    await alice.page.locator(".msg", { hasText: "hello lobby" }).waitFor(WAIT);

    // A direct message, with its receipts: accepted, then delivered once bob's page has it,
    // and read only once bob opens the conversation (his page shows the lobby until then).
    await alice.page.fill("#dm-user", "bob");
    await alice.page.click("#dm-form button");
    await alice.page.locator("#title", { hasText: "@ bob" }).waitFor(WAIT);
    await alice.page.fill("#text", "Hi Bob, this is a direct message.");
    await alice.page.click("#composer button");
    await bob.page.locator("#dm-list button", { hasText: "alice" }).waitFor(WAIT);
    const receipt = alice.page.locator(".msg.mine .receipt");
    await alice.page.locator('.msg.mine .receipt[data-status="delivered"]').waitFor(WAIT);
    // Had bob's page marked the mail read, it would have said so before its ack, and alice's
    // page would show `read`, which no `delivered` lowers.
    expect(await receipt.textContent()).toBe("delivered");
    expect(await bob.page.textContent("#title")).toBe("# lobby");
    await bob.page.click("#dm-list button >> text=alice");
    const received = bob.page.locator(".msg", { hasText: "this is a direct message" });
    await received.waitFor(WAIT);
    expect(await received.locator(".from").textContent()).toBe("alice");
    await alice.page.locator('.msg.mine .receipt[data-status="read"]').waitFor(WAIT);
    expect(await receipt.textContent()).toBe("read");

    // bob answers; alice leaves the room and bob sees her go.
    await bob.page.fill("#text", "Got it, thanks!");
    await bob.page.press("#text", "Enter");
    await alice.page.locator(".msg:not(.mine)", { hasText: "Got it" }).waitFor(WAIT);
    await alice.page.screenshot({ path: join(ARTIFACTS, "chat-alice.png") });
    await bob.page.click("#room-list button >> text=lobby");
    await bob.page.screenshot({ path: join(ARTIFACTS, "chat-bob.png") });
    await alice.page.click("#room-list button >> text=lobby");
    await alice.page.click("#leave");
    await bob.page.locator(".event", { hasText: "alice left" }).waitFor(WAIT);
    await bob.page.locator("#members li", { hasText: "alice" }).waitFor({ state: "detached" });
    expect(await bob.page.locator("#members li").allTextContents()).toEqual(["bob (you)"]);

    expect([...alice.errors, ...bob.errors]).toEqual([]);
  }, 90_000);

  it("shows the server live on /dashboard: the counters move as messages are sent", async () => {
    server = await startTestServer();
    const dashboard = await open("/dashboard");
    await dashboard.page.locator('#status[data-state="open"]').waitFor(WAIT);
    expect(await dashboard.page.textContent("#routed")).toBe("0");

    const alice = await open("/");
    const bob = await open("/");
    await signIn(alice.page, "#token", await signToken({ sub: "alice" }, { expiresIn: "1h" }));
    await signIn(bob.page, "#token", await signToken({ sub: "bob" }, { expiresIn: "1h" }));
    await alice.page.fill("#dm-user", "bob");
    await alice.page.click("#dm-form button");
    for (let n = 1; n <= 5; n++) {
      await alice.page.fill("#text", `message ${n}`);
      await alice.page.press("#text", "Enter");
    }
    // Bob's page opens alice's conversation with her first mail: the five end up `read`.
    await alice.page.locator('.receipt[data-status="read"]').nth(4).waitFor(WAIT);
    // One error for the errors table: joining a room with a name the server refuses.
    await bob.page.fill("#room-name", "-bad-name");
    await bob.page.click("#join-form button");
    await bob.page.locator("#notice", { hasText: "Cannot join" }).waitFor(WAIT);

    await dashboard.page.locator("#routed", { hasText: /^5$/ }).waitFor(WAIT);
    await dashboard.page.locator("#connections", { hasText: /^2$/ }).waitFor(WAIT);
    await dashboard.page.locator("#errors td", { hasText: "invalid_field" }).waitFor(WAIT);
    expect(await dashboard.page.textContent("#routed-kinds")).toBe(
      "direct 5 · room 0 · broadcast 0",
    );
    // The rate went above zero at some point: the chart has a peak to show.
    await dashboard.page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    expect(dashboard.errors).toEqual([]);
  }, 90_000);

  it("reads /api/stats with metrics.token given once in the fragment, and says what it lacks without it", async () => {
    const token = "dashboard-metrics-token-42";
    server = await startTestServer({ metrics: { token } });
    const refused = await open("/dashboard");
    await refused.page
      .locator('#status[data-state="offline"]', { hasText: "API key needed" })
      .waitFor(WAIT);
    // The server's answer says what it lacks.
    await refused.page.locator("#key-result", { hasText: "metrics.token" }).waitFor(WAIT);

    const dashboard = await open(`/dashboard#token=${token}`);
    await dashboard.page.locator('#status[data-state="open"]').waitFor(WAIT);
    // The token leaves the address bar at once, and stays with the tab across a reload.
    expect(dashboard.page.url()).toBe(`${server.httpUrl}/dashboard`);
    await dashboard.page.reload();
    await dashboard.page.locator('#status[data-state="open"]').waitFor(WAIT);
    expect(dashboard.errors).toEqual([]);
  }, 60_000);

  it("signs in with a name when the server runs in anonymous mode, and tells a refused token", async () => {
    server = await startTestServer({ auth: { anonymous: { enabled: true } } });
    const { page, errors } = await open("/");
    await page.locator("#username").waitFor({ state: "visible", ...WAIT });
    await page.fill("#token", "not-a-valid-token");
    await page.click("#sign-in button[type=submit]");
    await page.locator("#sign-in-error", { hasText: /./ }).waitFor(WAIT);
    expect(await page.isVisible("#chat-view")).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "sign-in-anonymous.png") });

    // A token still works on an anonymous server: the page waits for the token's welcome.
    await signIn(page, "#token", await signToken({ sub: "dave" }, { expiresIn: "1h" }));
    expect(await page.textContent("#me")).toBe("signed in as dave");
    await page.click("#sign-out");
    await page.locator("#sign-in-view").waitFor({ state: "visible", ...WAIT });

    await page.fill("#token", "");
    await signIn(page, "#username", "carol");
    expect(await page.textContent("#me")).toBe("signed in as ~carol");
    expect(await page.textContent("#status")).toBe("connected");
    await page.click("#sign-out");
    await page.locator("#sign-in-view").waitFor({ state: "visible", ...WAIT });
    expect(errors.filter((error) => !error.includes("WebSocket"))).toEqual([]);
  }, 60_000);

  it("in chat mode, shows the chat's messages, the page's own included, and who came and went", async () => {
    server = await startTestServer({ preset: "chat" });
    const ann = await open("/");
    const ben = await open("/");
    await ann.page.locator("#username").waitFor({ state: "visible", ...WAIT });
    await signIn(ann.page, "#username", "ann");
    await ann.page.locator("#title", { hasText: "# chat" }).waitFor(WAIT);
    expect(await ann.page.textContent("#me")).toBe("signed in as ~ann");
    await ben.page.locator("#username").waitFor({ state: "visible", ...WAIT });
    await signIn(ben.page, "#username", "ben");
    await ben.page.locator("#title", { hasText: "# chat" }).waitFor(WAIT);
    await ann.page.locator(".event", { hasText: "~ben joined" }).waitFor(WAIT);
    await ann.page.locator("#members li", { hasText: "~ben" }).waitFor(WAIT);

    await ann.page.fill("#text", "hello chat");
    await ann.page.press("#text", "Enter");
    await ann.page.locator(".msg.mine", { hasText: "hello chat" }).waitFor(WAIT);
    const heard = ben.page.locator(".msg", { hasText: "hello chat" });
    await heard.waitFor(WAIT);
    expect(await heard.locator(".from").textContent()).toBe("~ann");
    await ben.page.fill("#text", "hi ann");
    await ben.page.press("#text", "Enter");
    await ann.page.locator(".msg:not(.mine)", { hasText: "hi ann" }).waitFor(WAIT);
    // The chat room is the server's: there is no leaving it from the page.
    expect(await ann.page.isVisible("#leave")).toBe(false);
    await ann.page.screenshot({ path: join(ARTIFACTS, "chat-mode.png") });

    await ben.page.click("#sign-out");
    await ann.page.locator(".event", { hasText: "~ben left" }).waitFor(WAIT);
    expect([...ann.errors, ...ben.errors]).toEqual([]);
  }, 60_000);
});
