import { type ChildProcess, spawn } from "node:child_process";

export interface ProcessSpec {
  /** For messages: "postoffice A", "redis-server". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** True for the line of standard output that says the process is ready. */
  isReady: (line: string) => boolean;
  readyTimeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How many lines of output are kept to explain a failure. */
const TAIL_LINES = 40;

/**
 * One process under test (a postoffice node, a redis-server) that the harness starts, kills
 * with any signal, pauses and resumes, and starts again on the same data. Its time from spawn
 * to ready is what the report calls a restart time.
 */
export class ManagedProcess {
  /** Every process started and not yet exited, for `killAll`. */
  private static readonly live = new Set<ChildProcess>();

  /** SIGKILLs every process still running (a run interrupted by Ctrl-C leaves none behind). */
  static killAll(): void {
    for (const child of ManagedProcess.live) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  }

  private child: ChildProcess | undefined;
  private exit: Promise<Exit> | undefined;
  private readonly tail: string[] = [];
  /** Lines of standard output logged at pino's error level (50) or above, over every start. */
  errorLines = 0;
  /** Log lines of every level printed so far. */
  logLines = 0;

  constructor(private readonly spec: ProcessSpec) {}

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process without waiting for it to be ready. */
  spawn(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    ManagedProcess.live.add(child);
    this.exit = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        ManagedProcess.live.delete(child);
        resolve({ code, signal });
      });
    });
    const ready = new Promise<void>((resolve, reject) => {
      let buffer = "";
      const timeoutMs = this.spec.readyTimeoutMs ?? 20_000;
      const timer = setTimeout(
        () =>
          reject(new Error(`${this.spec.name} not ready within ${timeoutMs} ms${this.output()}`)),
        timeoutMs,
      );
      child.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          this.remember(line);
          this.logLines += 1;
          if (/"level":(5|6)0/.test(line)) this.errorLines += 1;
          if (this.spec.isReady(line)) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n")) if (line) this.remember(line);
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${this.spec.command}: ${error.message}`));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.spec.name} exited (${code ?? signal}) before it was ready${this.output()}`,
          ),
        );
      });
    });
    // A process killed before it is ready is what a kill during start-up wants: no unhandled rejection.
    ready.catch(() => undefined);
    return ready;
  }

  /** Spawns and waits for ready; resolves with the milliseconds it took. */
  async start(): Promise<number> {
    const started = performance.now();
    await this.spawn();
    return performance.now() - started;
  }

  /** Sends a signal; for SIGKILL and SIGTERM, resolves once the process has exited. */
  async signal(signal: NodeJS.Signals): Promise<Exit | undefined> {
    const child = this.child;
    if (!child || !this.running) return this.exit;
    child.kill(signal);
    if (signal === "SIGSTOP" || signal === "SIGCONT") return undefined;
    return this.exit;
  }

  /** Waits for the exit, SIGKILLs the process if it is still running after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit | "timeout"> {
    const exit = this.exit;
    if (!exit) throw new Error(`${this.spec.name} was never started`);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exit,
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.child?.kill("SIGCONT");
      this.child?.kill("SIGKILL");
      await exit;
    }
    return outcome;
  }

  /** The last lines the process printed, for an error message. */
  output(): string {
    return this.tail.length === 0 ? "" : `\n--- ${this.spec.name} ---\n${this.tail.join("\n")}`;
  }

  private remember(line: string): void {
    this.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }
}
