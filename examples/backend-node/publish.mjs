// A Node.js backend publishing mail through the server HTTP API (docs/api.md): no WebSocket,
// no token, only an API key of scope `publish`. Node 20's fetch; no dependencies.
//
//   POSTOFFICE_API_KEY=… node examples/backend-node/publish.mjs bob "Your parcel shipped"
//
// The Idempotency-Key makes retries safe: the mail lands once however often this runs with
// the same key. A 503 (the node starting or draining, the store away, an outcome unknown) is
// retried after its Retry-After; any other error is final.
import { randomUUID } from "node:crypto";

const base = process.env.POSTOFFICE_API_URL ?? "http://localhost:8080";
const key = process.env.POSTOFFICE_API_KEY;
const [to, ...words] = process.argv.slice(2);
if (!key || !to || words.length === 0) {
  console.error("usage: POSTOFFICE_API_KEY=… node publish.mjs USER TEXT…");
  process.exit(64);
}
const idempotencyKey = process.env.IDEMPOTENCY_KEY ?? randomUUID();

/** POST /api/v1/publish, retried on 503 at most `attempts` times. */
async function publish(body, attempts = 5) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(new URL("/api/v1/publish", base), {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        "idempotency-key": idempotencyKey,
      },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (response.status === 202) return answer.accepted;
    if (response.status !== 503 || attempt === attempts) {
      throw new Error(`${answer.error.code}: ${answer.error.message}`);
    }
    const seconds = Number(response.headers.get("retry-after") ?? "1");
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

try {
  for (const item of await publish({ to, data: { text: words.join(" ") } })) {
    console.log(`accepted: mail ${item.id} to ${item.to}`);
  }
} catch (error) {
  console.error(`refused: ${error.message}`);
  process.exit(1);
}
