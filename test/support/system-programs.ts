import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe } from "vitest";

/**
 * The programs outside npm that some suites need, each with the Debian package that brings it.
 * A suite that needs one is declared with `describeWith`: on a machine without it, the suite
 * is skipped and the run ends with one line per missing program (see
 * missing-programs-reporter.ts); with POSTOFFICE_TEST_REQUIRE_ALL=1 (CI) it fails instead.
 * POSTOFFICE_TEST_WITHOUT=redis-server,chromium pretends that programs are missing.
 */
export type SystemProgram = "redis-server" | "rabbitmq-server" | "chromium" | "python3" | "script";

interface Requirement {
  /** What is missing, in the words of the summary line. */
  what: string;
  /** The Debian package that brings it. */
  debianPackage: string;
  /** Its path, or undefined when this machine does not have it. */
  find(): string | undefined;
}

const REQUIREMENTS: Record<SystemProgram, Requirement> = {
  "redis-server": {
    what: "redis-server",
    debianPackage: "redis-server",
    find: () => onPath("redis-server"),
  },
  "rabbitmq-server": {
    what: "rabbitmq-server",
    debianPackage: "rabbitmq-server",
    // Debian puts it in /usr/sbin, which a user's PATH does not hold.
    find: () => onPath("rabbitmq-server", ["/usr/sbin"]),
  },
  chromium: {
    what: "chromium",
    debianPackage: "chromium",
    find: () => {
      const chosen = process.env.POSTOFFICE_CHROMIUM;
      if (chosen === undefined || chosen === "") return onPath("chromium");
      return isExecutable(chosen) ? chosen : undefined;
    },
  },
  python3: {
    what: "python3 with the websocket module",
    debianPackage: "python3-websocket",
    // The first python3 on PATH may be another one (pyenv) without the module: take the first
    // that can import it, as Debian's /usr/bin/python3 can once python3-websocket is installed.
    find: () =>
      everyOnPath("python3").find(
        (python) => spawnSync(python, ["-c", "import websocket"], { stdio: "ignore" }).status === 0,
      ),
  },
  script: {
    what: "script (util-linux)",
    debianPackage: "bsdutils",
    // BSD's script (macOS) has other flags: only util-linux's answers --version.
    find: () => {
      const script = onPath("script");
      if (script === undefined) return undefined;
      return spawnSync(script, ["--version"], { stdio: "ignore" }).status === 0
        ? script
        : undefined;
    },
  },
};

export const REQUIRE_ALL = "POSTOFFICE_TEST_REQUIRE_ALL";
export const PRETEND_MISSING = "POSTOFFICE_TEST_WITHOUT";

declare module "vitest" {
  interface TaskMeta {
    /** On a suite skipped by `describeWith`: what is missing and how to install it. */
    missingProgram?: string;
  }
}

const found = new Map<SystemProgram, string | undefined>();

/** The program's path on this machine, or undefined (probed once per test file). */
export function findProgram(program: SystemProgram): string | undefined {
  if (!found.has(program)) {
    const pretended = (process.env[PRETEND_MISSING] ?? "").split(",").map((name) => name.trim());
    found.set(program, pretended.includes(program) ? undefined : REQUIREMENTS[program].find());
  }
  return found.get(program);
}

/** The program's path; throws if it is missing (for suites declared with `describeWith`). */
export function programPath(program: SystemProgram): string {
  const path = findProgram(program);
  if (path === undefined) throw new Error(missingText(program));
  return path;
}

/**
 * `describe`, when this machine has `program`; otherwise the suite is skipped and counted in
 * the run's summary, or, under POSTOFFICE_TEST_REQUIRE_ALL=1, fails the run.
 */
export function describeWith(program: SystemProgram, name: string, body: () => void): void {
  if (findProgram(program) !== undefined) {
    describe(name, body);
    return;
  }
  const missing = missingText(program);
  if (process.env[REQUIRE_ALL] === "1") {
    throw new Error(`${missing}, and ${REQUIRE_ALL}=1 makes a missing program fail the run`);
  }
  describe(name, { skip: true, meta: { missingProgram: missing } }, body);
}

function missingText(program: SystemProgram): string {
  const { what, debianPackage } = REQUIREMENTS[program];
  return `${what} not found (apt-get install ${debianPackage})`;
}

function onPath(name: string, extraDirs: string[] = []): string | undefined {
  return everyOnPath(name, extraDirs)[0];
}

function everyOnPath(name: string, extraDirs: string[] = []): string[] {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs].filter(
    (dir) => dir !== "",
  );
  return [...new Set(dirs)].map((dir) => join(dir, name)).filter(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
