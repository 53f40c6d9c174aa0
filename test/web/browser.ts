import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { programPath } from "../support/system-programs.js";

export const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/web/", import.meta.url));
const BUILT_PAGE = fileURLToPath(new URL("../../dist/web/index.html", import.meta.url));

/**
 * Headless Chromium: Debian's (`chromium` on PATH, installed by .ci/run) or the one
 * POSTOFFICE_CHROMIUM names; playwright-core downloads no browser of its own. For suites
 * declared with `describeWith("chromium", ...)`.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(BUILT_PAGE)) {
    throw new Error("The web page is not built (dist/web/ is missing): run `npm run build` first.");
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: programPath("chromium"),
    headless: true,
    timeout: 30_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Errors the page raised or logged (a CSP refusal, an exception): a test expects none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return errors;
}
