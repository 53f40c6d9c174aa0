import type { ServerFrame } from "../protocol/index.js";
import type { PostofficeError } from "./errors.js";

/** A frame from the server; `ref` names the request it answers. */
export type Frame = ServerFrame & { ref?: string };

interface Waiter {
  resolve: (frame: Frame) => void;
  reject: (error: PostofficeError) => void;
}

/** Requests sent with an `id`, each waiting for the frame whose `ref` answers it. */
export class ReplyWaiters {
  private readonly waiters = new Map<string, Waiter>();

  /**
   * Waits for the answer to `id`, then runs `send`. `onAnswer` runs as soon as the answer is
   * read, before any later frame (a promise continuation would run after the frames that
   * came in the same chunk).
   */
  expect(id: string, send: () => void, onAnswer?: (frame: Frame) => void): Promise<Frame> {
    return new Promise((resolve, reject) => {
      this.waiters.set(id, {
        resolve: (frame) => {
          onAnswer?.(frame);
          resolve(frame);
        },
        reject,
      });
      send();
    });
  }

  /** A frame that may answer a request. */
  answer(frame: Frame): void {
    const waiter = frame.ref === undefined ? undefined : this.waiters.get(frame.ref);
    if (!waiter || frame.ref === undefined) return;
    this.waiters.delete(frame.ref);
    waiter.resolve(frame);
  }

  /** An `error` answer; false when no request waits for `ref`. */
  reject(ref: string | undefined, error: PostofficeError): boolean {
    const waiter = ref === undefined ? undefined : this.waiters.get(ref);
    if (!waiter || ref === undefined) return false;
    this.waiters.delete(ref);
    waiter.reject(error);
    return true;
  }

  /** No answer will come (the connection closed): every waiting request rejects. */
  rejectAll(error: PostofficeError): void {
    for (const [ref, waiter] of this.waiters) {
      this.waiters.delete(ref);
      waiter.reject(error);
    }
  }
}
