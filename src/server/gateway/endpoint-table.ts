import type { Endpoint } from "./endpoint.js";

/** An endpoint's path that takes every upgrade no other endpoint or HTTP route has. */
export const ANY_PATH = "*";

/**
 * Which endpoint an upgrade is for: the one with its exact path; else, unless the path is one
 * of the node's HTTP routes (which stay what they are for every client), the catch-all (`*`),
 * as GO-POSTOFFICE's clients connect on any path.
 */
export class EndpointTable {
  private readonly byPath: Map<string, Endpoint>;
  private readonly anyPath: Endpoint | undefined;
  /** For the 404: where a client may connect. */
  readonly paths: string;

  constructor(
    endpoints: readonly Endpoint[],
    private readonly isHttpRoute: (path: string) => boolean,
  ) {
    this.byPath = new Map(endpoints.map((endpoint) => [endpoint.path, endpoint]));
    this.anyPath = this.byPath.get(ANY_PATH);
    this.byPath.delete(ANY_PATH);
    this.paths = [...this.byPath.keys(), ...(this.anyPath ? ["any other path"] : [])].join(", ");
  }

  /** The endpoint of a request-target (`/ws?client_id=a`), if any. */
  find(url: string | undefined): Endpoint | undefined {
    const target = url ?? "/";
    const query = target.indexOf("?");
    // On every upgrade: a slice, not an array made by split.
    const path = query === -1 ? target : target.slice(0, query);
    const exact = this.byPath.get(path);
    if (exact !== undefined) return exact;
    return this.isHttpRoute(path) ? undefined : this.anyPath;
  }

  all(): Endpoint[] {
    return [...this.byPath.values(), ...(this.anyPath ? [this.anyPath] : [])];
  }
}
