/**
 * The dashboard's API key: pasted by the operator, kept in this tab's sessionStorage only
 * (gone when the tab closes), and sent as `Authorization: Bearer` to /api/stats and the
 * server API (docs/api.md).
 */

const STORAGE_KEY = "postoffice.dashboard.apiKey";

export function storedKey(): string {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return ""; // storage refused (a sandboxed frame): the key lives as long as the page
  }
}

export function storeKey(key: string): void {
  try {
    if (key === "") sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // As above: nothing is kept.
  }
}

/** An answer of the server: the status, and its JSON (or undefined when it was not JSON). */
export interface Answer<T = unknown> {
  ok: boolean;
  status: number;
  body: T | undefined;
}

/** A request with the key (when one is set), answered as JSON. */
export async function call<T>(
  key: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (key !== "") headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    cache: "no-store",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  let json: T | undefined;
  try {
    json = (await response.json()) as T;
  } catch {
    json = undefined;
  }
  return { ok: response.ok, status: response.status, body: json };
}

/**
 * A refusal as a person reads it: `401 unauthorized: A valid API key is needed…`, with a hint
 * for the refusals an operator meets first.
 */
export function refusal(answer: Answer): string {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)
    ?.error;
  const code = typeof error?.code === "string" ? error.code : "error";
  const message = typeof error?.message === "string" ? error.message : "no explanation given";
  const hint =
    answer.status === 401
      ? " Paste a key from api.keys above."
      : answer.status === 403 && code === "insufficient_scope"
        ? " Use a key with that scope."
        : "";
  return `${answer.status} ${code}: ${message}${hint}`;
}
