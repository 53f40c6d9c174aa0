/**
 * Exit statuses of every `postoffice` command, after sysexits.h where it has a name for the
 * case; docs/operations.md ("Exit status") lists them, and the CLI tests check each.
 */
export const EXIT = {
  /** Done, or (`token --check`) the token is accepted. */
  ok: 0,
  /**
   * The command ran and the answer is no: a refused token (`connect`, `token --check`), a
   * refused piped line, a start that failed for another reason, a drain cut short.
   */
  failed: 1,
  /** `bench`: the server refused a step of the load; no figures for it. */
  benchRefused: 3,
  /** EX_USAGE: an unknown command or option, a missing or malformed argument. */
  usage: 64,
  /** EX_UNAVAILABLE: the port cannot be bound; the server cannot be reached; auth_unavailable. */
  unavailable: 69,
  /** EX_CANTCREAT: an output file exists (without --force) or cannot be written. */
  cantCreate: 73,
  /** EX_CONFIG: the configuration is invalid, or cannot do what the command needs. */
  config: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Says why on stderr, as one line after `postoffice:`, and exits with `code`. */
export function exitWith(code: ExitCode, message: string): never {
  process.stderr.write(`postoffice: ${message}\n`);
  process.exit(code);
}
