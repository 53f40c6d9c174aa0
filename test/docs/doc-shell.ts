import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../support/child-server.js";
import { programPath } from "../support/system-programs.js";
import { codeBlocks, root } from "./markdown.js";

/**
 * Runs the shell blocks of a doc page as written, for the tests that check a walk-through.
 *
 * A block is found by the marker before it (`<!-- run: <test file> <name> -->`), and the output
 * it promises by `<!-- output: <name> -->`. Its lines are the few forms a walk-through uses,
 * read here rather than by a shell so that each command is spawned, bounded and stopped by the
 * test: `export A=b C=d`, `NAME=$(command)`, `echo "text" | command`, and a command. The
 * commands are `npx postoffice …` (run as the built CLI, which is what npx runs in this
 * repository), `npm start [-- …]` and `redis-server …` (in a directory of its own).
 *
 * The page's ports (8080, 8081, 6379) become free ones and `localhost` becomes 127.0.0.1, so
 * the commands run beside other tests; the data directory is a temporary `…/data` and the
 * server binds loopback only. Nothing else of a command is changed.
 */
export class DocShell {
  /** Shell variables, `export`ed or not (the commands see them all). */
  readonly vars: Record<string, string> = {};
  private readonly ports = new Map<string, number>();
  private readonly started: Running[] = [];

  private constructor(
    private readonly page: string,
    private readonly markdown: string,
    private readonly testFile: string,
    private readonly dataDir: string,
  ) {}

  /**
   * `testFile`: the test that runs the page (its `run:` markers name it); `ports`: each port
   * the page names, mapped to the free one the test uses instead.
   */
  static async create(options: {
    page: string;
    markdown: string;
    testFile: string;
    ports: Record<string, number>;
  }): Promise<DocShell> {
    const { page, markdown, testFile, ports } = options;
    const dataDir = join(await mkdtemp(join(tmpdir(), "postoffice-doc-")), "data");
    const shell = new DocShell(page, markdown, testFile, dataDir);
    for (const [written, port] of Object.entries(ports)) shell.ports.set(written, port);
    return shell;
  }

  /** The lines of the block marked `<!-- run: … name -->`. */
  block(name: string): string[] {
    return this.marked(`run: ${this.testFile} ${name}`)
      .split("\n")
      .filter((line) => line.trim() !== "");
  }

  /** The output the page shows for a block: its lines, as patterns. */
  expectedOutput(name: string): RegExp[] {
    return this.marked(`output: ${name}`)
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        // Ports only: the output is compared with `localhost` for the test's 127.0.0.1.
        const shown = this.withPorts(stripTimestamp(line));
        const parts = shown.split("…").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
        return new RegExp(parts.join(".*"));
      });
  }

  /** The port the test uses for one the page names. */
  port(written: string): number {
    const port = this.ports.get(written);
    if (port === undefined) throw new Error(`no port for ${written}`);
    return port;
  }

  /** Runs a line to its end (an assignment, an `export`, a piped or a plain command). */
  async run(line: string, timeoutMs = 20_000): Promise<Finished> {
    const exported = /^export\s+(.+)$/.exec(line);
    if (exported) {
      for (const word of words(this.localize(exported[1] ?? ""), this.vars)) {
        const [name = "", ...value] = word.split("=");
        this.vars[name] = value.join("=");
      }
      return { code: 0, stdout: "", stderr: "" };
    }
    const assigned = /^([A-Z_]+)=\$\((.+)\)$/.exec(line);
    if (assigned) {
      const result = await this.run(assigned[2] ?? "", timeoutMs);
      if (result.code !== 0) throw new Error(`${line}: exit ${result.code}\n${result.stderr}`);
      this.vars[assigned[1] ?? ""] = result.stdout.trim();
      return result;
    }
    const piped = /^echo "([^"]*)" \| (.+)$/.exec(line);
    const input = piped ? `${piped[1]}\n` : "";
    const running = this.spawn(piped ? (piped[2] ?? "") : line, input);
    return running.finished(timeoutMs);
  }

  /** Starts a line that runs until stopped (a server, an interactive client). */
  start(line: string): Running {
    const running = this.spawn(line, undefined);
    this.started.push(running);
    return running;
  }

  /** Stops everything still running that this shell started. */
  async stopAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((running) => running.stop()));
  }

  private spawn(line: string, input: string | undefined): Running {
    const [command, ...args] = words(this.localize(line), this.vars);
    const env: Record<string, string> = {
      ...inheritedEnv(),
      ...this.vars,
      POSTOFFICE_DATA_DIR: this.dataDir,
      POSTOFFICE_HOST: "127.0.0.1",
      POSTOFFICE_LOG_FORMAT: "pretty",
      POSTOFFICE_URL: `ws://127.0.0.1:${this.port("8080")}/ws`,
      PORT: String(this.port("8080")),
    };
    if (command === "npx" && args[0] === "postoffice") {
      return new Running(process.execPath, [CLI, ...args.slice(1)], root, env, input);
    }
    if (command === "npm" && args[0] === "start") {
      return new Running("npm", args, root, env, input);
    }
    if (command === "redis-server") {
      return new Running(programPath("redis-server"), args, join(this.dataDir, ".."), env, input);
    }
    throw new Error(`${this.page}: the test cannot run \`${line}\``);
  }

  /** The page's ports and host, as the test runs them. */
  private localize(text: string): string {
    return this.withPorts(text.replace(/localhost/g, "127.0.0.1"));
  }

  private withPorts(text: string): string {
    let out = text;
    for (const [written, port] of this.ports) {
      out = out.replace(new RegExp(`\\b${written}\\b`, "g"), String(port));
    }
    return out;
  }

  private marked(marker: string): string {
    const blocks = codeBlocks(this.markdown);
    const lines = this.markdown.split("\n");
    const found = blocks.filter((block) => {
      const before = lines.slice(0, block.line - 1).reverse();
      const previous = before.find((line) => line.trim() !== "");
      return previous?.trim() === `<!-- ${marker} -->`;
    });
    if (found.length !== 1) throw new Error(`${this.page}: ${found.length} blocks after ${marker}`);
    return found[0]?.text ?? "";
  }
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A process the test started, and everything it printed (colours removed). */
export class Running {
  private readonly child: ChildProcess;
  private stdoutText = "";
  private stderrText = "";
  private readonly printed = new EventEmitter();
  private readonly exited: Promise<number | null>;

  constructor(
    command: string,
    args: string[],
    cwd: string,
    env: Record<string, string>,
    input: string | undefined,
  ) {
    // A process group of its own, so that a stop reaches npm's children too, as Ctrl-C does.
    this.child = spawn(command, args, {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.stdoutText += plain(chunk.toString());
      this.printed.emit("text");
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrText += plain(chunk.toString());
      this.printed.emit("text");
    });
    this.exited = new Promise((resolve) => this.child.once("close", resolve));
    if (input !== undefined) this.child.stdin?.end(input);
  }

  /** stdout, then stderr. */
  get output(): string {
    return `${this.stdoutText}${this.stderrText}`;
  }

  /** Resolves once the output holds every pattern, in order (a line each); rejects after `timeoutMs`. */
  waitFor(patterns: RegExp[], timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!inOrder(this.output, patterns)) return;
        stop();
        resolve();
      };
      const onExit = (): void => {
        check();
        stop();
        reject(new Error(`exited without ${patterns.join(", ")}:\n${this.output}`));
      };
      const stop = (): void => {
        clearTimeout(timer);
        this.printed.off("text", check);
        this.child.off("close", onExit);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no ${patterns.join(", ")} within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      this.printed.on("text", check);
      this.child.once("close", onExit);
      check();
    });
  }

  /** Ends the input (an interactive client then quits) and waits for the exit. */
  async endInput(): Promise<number | null> {
    this.child.stdin?.end();
    return this.exited;
  }

  /** Waits for the exit, killing the process after `timeoutMs`. */
  async finished(timeoutMs: number): Promise<Finished> {
    const timer = setTimeout(() => this.signal("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, stdout: this.stdoutText, stderr: this.stderrText };
  }

  /**
   * Ctrl-C: SIGINT to the process group (npm, and the server it runs); SIGKILL to the group if
   * it has not exited within 15 s. Resolves once the group's leader has exited.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.signal("SIGINT");
      const timer = setTimeout(() => this.signal("SIGKILL"), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    // npm may exit before the server it ran: wait for the whole group, then make sure.
    const deadline = Date.now() + 15_000;
    while (this.groupAlive() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.signal("SIGKILL");
  }

  private groupAlive(): boolean {
    const pid = this.child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

/** True when each pattern matches a line of the text, each after the line of the one before. */
export function inOrder(text: string, patterns: RegExp[]): boolean {
  const lines = text
    .split("\n")
    .map((line) => stripTimestamp(line).replace(/127\.0\.0\.1/g, "localhost"));
  let at = 0;
  for (const pattern of patterns) {
    const found = lines.findIndex((line, index) => index >= at && pattern.test(line));
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

/** Words of a command line: spaces separate, "double quotes" group, $VAR and "$VAR" expand. */
function words(line: string, vars: Record<string, string>): string[] {
  const expand = (text: string): string =>
    text.replace(/\$([A-Z_]+)/g, (_, name: string) => vars[name] ?? "");
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => expand(match[1] ?? match[2] ?? ""));
}

/** A pretty log line's `[12:00:00.000] ` prefix, which differs at every run. */
function stripTimestamp(line: string): string {
  return line.replace(/^\[\d\d:\d\d:\d\d\.\d{3}\] /, "");
}

function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that starts a colour
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** What npm needs (its cache, home, path), without any POSTOFFICE_* of the test's own. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("POSTOFFICE_")) env[name] = value;
  }
  return env;
}
