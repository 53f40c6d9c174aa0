import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-errors.js";

/**
 * The key a request presents: `Authorization: Bearer <key>`, else `X-API-Key: <key>`.
 * Another scheme in `Authorization` is no key.
 */
export function presentedKey(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match?.[1] !== undefined) return match[1];
  }
  const header = req.headers["x-api-key"];
  return typeof header === "string" && header !== "" ? header : undefined;
}

/** Whether the request says it carries a body (a length above 0, or chunks). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return Number(length) > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body as JSON, read up to `maxBytes`: a declared length over the cap is refused before
 * a byte is read, and a body that grows past it is refused as soon as it does. Only
 * `application/json` in UTF-8 is read.
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";", 1)[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(
      "unsupported_media_type",
      "The body must be JSON: send `Content-Type: application/json`.",
    );
  }
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readUpTo(req, maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The body is not UTF-8.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not the parser's message: it quotes the body, which may hold what no log should.
    throw new ApiError("invalid_json", "The body is not valid JSON.");
  }
}

function readUpTo(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      done();
      reject(new ApiError("invalid_request", "The request ended before its body did."));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("too_large", `The body is larger than ${maxBytes} bytes (api.maxBodyBytes).`);
}

/**
 * Writes a JSON answer. Never cached, never sniffed as something else. A request whose body
 * was not read (refused before it) closes the connection, so that its bytes are not taken
 * for the next request's.
 */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...(req.complete ? {} : { connection: "close" }),
  });
  res.end(text);
}
