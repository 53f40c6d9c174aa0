import type { RawData } from "ws";
import { CLOSE_CODES, type DecodeResult, decodeClientFrame } from "../../protocol/index.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Session } from "../session/session.js";
import type { UserRateLimits } from "../session/user-rate-limits.js";

export interface IntakeOptions {
  maxNestingDepth: number;
  maxStringLength: number;
  binaryFrames: boolean;
  /** Chat mode: text that is not a JSON object is said in this room [CHAT-2]. */
  chatRoom: string | undefined;
}

export interface IntakeDeps {
  metrics: Metrics;
  userLimits: UserRateLimits;
  throttle: LogThrottle;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isNotAnObject(code: string): boolean {
  return code === "invalid_json" || code === "invalid_frame";
}

/**
 * Everything a frame passes before its handler [LIMIT-2]: binary policy, decoding and shape,
 * rate limits (the configured schema is the message handler's, once the sender is known). Every refusal becomes an error frame in the session's
 * reply order; only a client that keeps flooding is closed (4429).
 */
export function createFrameIntake(options: IntakeOptions, deps: IntakeDeps) {
  const { metrics, userLimits, throttle } = deps;

  const limits = { maxDepth: options.maxNestingDepth, maxStringLength: options.maxStringLength };

  function decode(data: RawData, isBinary: boolean): DecodeResult {
    // ws hands a Buffer (default binaryType); only fragments and ArrayBuffers need work.
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (isBinary && !options.binaryFrames) {
      return {
        ok: false,
        code: "binary_not_supported",
        message: "Binary frames are not accepted; send JSON text frames.",
      };
    }
    let text: string;
    try {
      // ws checks text frames for UTF-8 (closing with 1007); binary ones are checked here.
      text = isBinary ? utf8.decode(bytes) : bytes.toString("utf8");
    } catch {
      return { ok: false, code: "invalid_frame", message: "A binary frame must hold UTF-8 JSON." };
    }
    const decoded = decodeClientFrame(text, limits);
    if (options.chatRoom !== undefined && !decoded.ok && !isBinary && isNotAnObject(decoded.code)) {
      const said = JSON.stringify({ type: "message", data: { room: options.chatRoom, text } });
      return decodeClientFrame(said, limits);
    }
    return decoded;
  }

  return (session: Session, data: RawData, isBinary: boolean): void => {
    session.awaitingPong = false;
    if (session.inputClosed) return;
    const decoded = decode(data, isBinary);
    const type = decoded.ok ? decoded.frame.type : "invalid";
    metrics.frameIn(type);
    const userId = session.identity?.userId;
    const rate = session.rateLimiter.check(
      type,
      userId === undefined ? undefined : userLimits.for(userId),
    );
    if (!rate.ok) {
      const ref = decoded.ok ? decoded.frame.id : decoded.ref;
      throttle.warn(
        "rate_limited",
        { session: session.id, user: userId },
        "frames refused for rate",
      );
      if (rate.flooding) {
        // Read nothing more; the replies already owed go out first, then this error and the close.
        session.inputClosed = true;
        session.enqueue(() =>
          session.inOrder(() => {
            session.sendError("rate_limited", "Too many frames refused in a row: closing.", {
              retryAfterMs: rate.retryAfterMs,
            });
            session.close(CLOSE_CODES.flooding, "rate_limited");
          }),
        );
        return;
      }
      session.receive({
        ok: false,
        code: "rate_limited",
        message: `Too many frames; retry after ${rate.retryAfterMs} ms.`,
        retryAfterMs: rate.retryAfterMs,
        ref,
      });
      return;
    }
    session.receive(decoded);
  };
}
