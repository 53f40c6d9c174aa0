import { createHash, timingSafeEqual } from "node:crypto";

export type ApiScope = "publish" | "read" | "admin";

/** One configured key (`api.keys[]`), as the composition root hands it over. */
export interface ApiKeyOptions {
  key: string;
  name: string;
  scopes: readonly ApiScope[];
  roles: readonly string[];
}

/** Who presented a valid key: the service, never the key. */
export interface ApiCaller {
  /** The service's name: the sender of what it publishes. */
  name: string;
  scopes: ReadonlySet<ApiScope>;
  /** The key's index in `api.keys`, for its rate bucket and for logs (never the key itself). */
  index: number;
}

interface StoredKey {
  digest: Buffer;
  caller: ApiCaller;
}

/**
 * The configured API keys. A presented key is hashed and its digest compared with every
 * configured key's digest in constant time, all of them every time, so that neither the
 * comparison nor the number of comparisons says how close a guess came. Keys are kept as
 * digests only.
 */
export class ApiKeys {
  readonly #keys: StoredKey[];
  readonly #roles = new Map<string, readonly string[]>();

  constructor(options: readonly ApiKeyOptions[]) {
    this.#keys = options.map((option, index) => ({
      digest: digest(option.key),
      caller: { name: option.name, scopes: new Set(option.scopes), index },
    }));
    for (const option of options) this.#roles.set(option.name, [...option.roles]);
  }

  /** No key configured: the API is off. */
  get enabled(): boolean {
    return this.#keys.length > 0;
  }

  get count(): number {
    return this.#keys.length;
  }

  /** The caller a presented key stands for, or undefined for a wrong (or missing) one. */
  find(presented: string | undefined): ApiCaller | undefined {
    if (presented === undefined) return undefined;
    const candidate = digest(presented);
    let found: ApiCaller | undefined;
    for (const key of this.#keys) {
      if (timingSafeEqual(candidate, key.digest) && found === undefined) found = key.caller;
    }
    return found;
  }

  /** The roles a service publishes with; none for a name no key has. */
  rolesOf(service: string): readonly string[] {
    return this.#roles.get(service) ?? [];
  }
}

/** Whether the caller holds the scope; `admin` holds them all. */
export function grants(caller: ApiCaller, scope: ApiScope): boolean {
  return caller.scopes.has(scope) || caller.scopes.has("admin");
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}
