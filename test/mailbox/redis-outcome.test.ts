import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { mayHaveRun, NotSentError } from "../../src/server/mailbox/redis-outcome.js";

describe("whether a failed Redis command may have run", () => {
  it("says no for a call refused before sending, and for Redis's refusals to run", () => {
    expect(mayHaveRun(new NotSentError("Redis was not ready within 5000 ms"))).toBe(false);
    expect(
      mayHaveRun(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(false);
    for (const reply of [
      "NOSCRIPT No matching script. Please use EVAL.",
      "BUSY Redis is busy running a script.",
      "LOADING Redis is loading the dataset in memory",
      "OOM command not allowed when used memory > 'maxmemory'.",
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
      "READONLY You can't write against a read only replica.",
    ])
      expect(mayHaveRun(new ReplyError(reply)), reply).toBe(false);
  });

  it("says yes for a command sent and not answered, and for a script that failed while running", () => {
    expect(mayHaveRun(new Error("Command timed out"))).toBe(true);
    expect(mayHaveRun(new Error("Connection is closed."))).toBe(true);
    expect(
      mayHaveRun(
        new Error(
          'Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.',
        ),
      ),
    ).toBe(true);
    expect(
      mayHaveRun(
        new ReplyError(
          "ERR user_script:12: Script attempted to access nonexistent global variable",
        ),
      ),
    ).toBe(true);
    expect(mayHaveRun("something else")).toBe(true);
  });
});
