import { createServer } from "node:net";

/**
 * A free port of 127.0.0.1. (test/support/child-server.ts has one too, but importing it pulls
 * the server's source into the bundle that `npm run chaos` runs; the harness sees only dist/.)
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
