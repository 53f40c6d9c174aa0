import { request } from "node:http";

/** The keys every server API test configures. */
export const KEYS = {
  publisher: "publisher-key-0123456789abcdef",
  reader: "reader-key-0123456789abcdef",
  admin: "admin-key-0123456789abcdef",
  broadcaster: "broadcaster-key-0123456789abcdef",
};

export const API_CONFIG = {
  api: {
    keys: [
      { key: KEYS.publisher, name: "billing", scopes: ["publish"] },
      { key: KEYS.reader, name: "support", scopes: ["read"] },
      { key: KEYS.admin, name: "ops", scopes: ["admin"] },
      { key: KEYS.broadcaster, name: "status", scopes: ["publish"], roles: ["admin"] },
    ],
  },
};

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export interface ApiCall {
  key?: string;
  /** How the key is sent (default bearer). */
  via?: "bearer" | "header";
  body?: unknown;
  /** A body sent as it is (bad JSON, the wrong type). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** One HTTP request to a test server, by node:http on loopback; the answer parsed if JSON. */
export function api(
  baseUrl: string,
  method: string,
  path: string,
  call: ApiCall = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.key !== undefined) {
    if (call.via === "header") headers["x-api-key"] = call.key;
    else headers.authorization = `Bearer ${call.key}`;
  }
  let payload: string | Buffer | undefined = call.raw;
  if (call.body !== undefined) {
    payload = JSON.stringify(call.body);
    headers["content-type"] ??= "application/json";
  }
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        if ((res.headers["content-type"] ?? "").startsWith("application/json")) {
          body = JSON.parse(text);
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The `error` of an error answer. */
export function errorOf(answer: ApiAnswer): { code: string; message: string; pointer?: string } {
  return (answer.body as { error: { code: string; message: string; pointer?: string } }).error;
}
