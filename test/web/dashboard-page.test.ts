import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { API_CONFIG, api, KEYS } from "../api/api-client.js";
import { describeWith } from "../support/system-programs.js";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { ARTIFACTS, launchChromium, pageErrors } from "./browser.js";

const WAIT = { timeout: 10_000 };

/** A user id that is HTML: shown anywhere as markup, it would run its handler. */
const HTML_USER = '<img src=x onerror="window.__xss=1">';

function textOf(frame: Frame): unknown {
  return (frame.data?.body as { text?: unknown } | undefined)?.text;
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describeWith(
  "chromium",
  "the dashboard's API key and operator actions in headless Chromium",
  () => {
    let browser: Browser;
    let server: TestServer | undefined;
    const pages: Page[] = [];
    const clients: TestClient[] = [];

    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    afterEach(async () => {
      for (const page of pages.splice(0)) await page.context().close();
      for (const client of clients.splice(0)) client.ws.terminate();
      await server?.stop();
      server = undefined;
    });

    const open = async (path: string): Promise<{ page: Page; errors: string[] }> => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      pages.push(page);
      const errors = pageErrors(page);
      await page.goto(`${server?.httpUrl}${path}`);
      return { page, errors };
    };

    const useKey = async (page: Page, key: string) => {
      await page.fill("#api-key", key);
      await page.click("#key-form button[type=submit]");
    };

    // "127.1" binds 127.0.0.1, but is not loopback as written: the node protects the data.
    it("asks for a key off loopback, says plainly why one is refused, and keeps it in the tab only", async () => {
      server = await startTestServer({ ...API_CONFIG, server: { host: "127.1" } });
      const { page, errors } = await open("/dashboard");
      await page.locator("#status", { hasText: "API key needed" }).waitFor(WAIT);
      expect(await page.textContent("#key-result")).toMatch(/^401 unauthorized: A valid API key/);

      await useKey(page, KEYS.publisher);
      await page.locator("#status", { hasText: "API key refused" }).waitFor(WAIT);
      expect(await page.textContent("#key-result")).toMatch(/^403 insufficient_scope: .*`read`/);

      await useKey(page, KEYS.reader);
      await page.locator('#status[data-state="open"]').waitFor(WAIT);
      expect(await page.textContent("#connections")).toBe("0");
      // Strings run in the page: this test is compiled without the DOM's types.
      const storage = await page.evaluate(
        `({ session: sessionStorage.getItem("postoffice.dashboard.apiKey"), local: localStorage.length, cookie: document.cookie })`,
      );
      expect(storage).toEqual({ session: KEYS.reader, local: 0, cookie: "" });
      await page.reload();
      await page.locator('#status[data-state="open"]').waitFor(WAIT);

      // A read key may look, not act.
      await page.fill("#user-id", "bob");
      await page.click("#disconnect");
      await page.locator('#user-result[data-state="error"]').waitFor(WAIT);
      expect(await page.textContent("#user-result")).toMatch(/^403 insufficient_scope: .*`admin`/);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-key.png"), fullPage: true });

      await page.click("#forget-key");
      await page.locator("#status", { hasText: "API key needed" }).waitFor(WAIT);
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
      expect(errors.filter((error) => !error.includes("401") && !error.includes("403"))).toEqual(
        [],
      );
    }, 60_000);

    it("looks up a user's sessions and mailbox, publishes to a room and disconnects the user, showing ids as text", async () => {
      server = await startTestServer(API_CONFIG);
      const { httpUrl, url } = server;
      const user = await connectAs(url, await signToken({ sub: HTML_USER }, { expiresIn: "1h" }));
      clients.push(user);
      user.send({ type: "join", id: "j", data: { room: "lobby" } });
      await user.next((frame) => frame.ref === "j");
      for (const text of ["<b>first</b>", "second"]) {
        const sent = await api(httpUrl, "POST", "/api/v1/publish", {
          key: KEYS.publisher,
          body: { to: HTML_USER, data: { text } },
        });
        expect(sent.status).toBe(202);
      }
      await user.next((frame) => frame.type === "message" && textOf(frame) === "second");

      const { page, errors } = await open("/dashboard");
      await page.locator('#status[data-state="open"]').waitFor(WAIT);
      await useKey(page, KEYS.admin);

      await page.fill("#user-id", HTML_USER);
      await page.click("#user-form button[type=submit]");
      await page.locator('#user-result[data-state="ok"]').waitFor(WAIT);
      expect(await page.textContent("#user-result")).toMatch(
        new RegExp(
          `^${literal(HTML_USER)}: 1 session on \\S+; 2 waiting in the mailbox \\(2 mail, 0 receipts\\)$`,
        ),
      );
      expect(await page.locator("#user-sessions td").nth(2).textContent()).toBe("lobby");
      const entries = page.locator("#user-entries tr");
      expect(await entries.count()).toBe(2);
      expect(await entries.nth(0).locator("td").nth(2).textContent()).toBe("from billing");
      expect(await entries.nth(0).locator("td").nth(3).textContent()).toBe("<b>first</b>");
      expect(await entries.nth(1).locator("td").nth(3).textContent()).toBe("second");

      await page.fill("#publish-room", "lobby");
      await page.fill("#publish-data", '{"text": "<script>window.__xss = 2</script>", "n": 1}');
      await page.click("#publish-form button[type=submit]");
      await page.locator('#publish-result[data-state="ok"]').waitFor(WAIT);
      const published = await user.next(
        (frame) => frame.type === "message" && frame.data?.room === "lobby",
      );
      expect(published.data?.body).toEqual({ text: "<script>window.__xss = 2</script>", n: 1 });
      expect(published.data?.from).toBe("ops");
      expect(await page.textContent("#publish-result")).toBe(
        `Published to lobby: ${published.data?.id}`,
      );

      await page.fill("#publish-data", "[1, 2]");
      await page.click("#publish-form button[type=submit]");
      await page.locator("#publish-result", { hasText: "must be a JSON object" }).waitFor(WAIT);

      await page.click("#disconnect");
      await page.locator("#user-result", { hasText: "disconnected" }).waitFor(WAIT);
      expect(await page.textContent("#user-result")).toMatch(
        new RegExp(`^${literal(HTML_USER)} disconnected: 1 closed on \\S+, other nodes told\\.$`),
      );
      expect(await user.closed).toEqual({ code: 4403, reason: "disconnected by an operator" });

      // Nothing the server sent was taken for markup.
      expect(await page.evaluate("window.__xss")).toBeUndefined();
      expect(await page.locator("main img, main b, main script").count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-actions.png"), fullPage: true });
      expect(errors).toEqual([]);
    }, 60_000);
  },
);
