/**
 * Makes a closed standard output or error harmless. When the reader goes away
 * (`postoffice config | head -3`, a log pipe whose reader died), Node reports the failed write
 * as an `error` event on process.stdout/stderr, and with no listener that is an uncaught
 * exception: a stack trace instead of a quiet end, or a server that dies in the middle of its
 * drain. Nobody reads what is left to print, so it is dropped and the command carries on: a
 * short command finishes, a server goes on serving and stops as it is told to.
 */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", () => undefined);
  }
}
