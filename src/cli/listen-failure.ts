/** Where the node was asked to listen. */
interface ListenAddress {
  host: string;
  port: number;
}

/**
 * What to tell the operator when the node cannot listen where it was told to, in one line; or
 * undefined when `error` is not such a failure (then it is unexpected, and logged whole).
 */
export function listenFailure(error: unknown, { host, port }: ListenAddress): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { syscall, code } = error as NodeJS.ErrnoException;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (syscall === "getaddrinfo") {
    return `cannot listen on ${where}: "${host}" is neither an address nor a known host name; pick another with --host or POSTOFFICE_HOST`;
  }
  if (syscall !== "listen") return undefined;
  switch (code) {
    case "EADDRINUSE":
      return `cannot listen on ${where}: the port is in use (another Postoffice?); pick another with --port or PORT`;
    case "EACCES":
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges); pick another with --port or PORT`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: no interface of this machine has that address; pick another with --host or POSTOFFICE_HOST`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}
