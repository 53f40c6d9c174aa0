#!/usr/bin/env node
// Postoffice from Node, with the client SDK: sends one mail, prints the mail and receipts
// that arrive, and with --once exits when the mail it sent is delivered.
//
//   POSTOFFICE_URL=ws://localhost:8080/ws POSTOFFICE_TOKEN=$(npx postoffice token --sub alice) \
//     node examples/node-client/send.mjs bob "Hello, Bob" --once
//
// Exit status: 0 when done (or on Ctrl-C), 1 when the token is refused or --once times out,
// 2 for a usage error.
import { parseArgs } from "node:util";
// Inside this repository, "postoffice/client" resolves to dist/client/ through the package's
// self-reference (package.json "name" + "exports"): run `npm run build` first. In your own
// project, the same import works once postoffice is installed.
import { PostofficeClient } from "postoffice/client";
import WebSocket from "ws";

const USAGE = `usage: node send.mjs <to> [text ...] [--once] [--timeout SECONDS]

  <to>         the user to send the mail to
  text         the mail's text (default: "Hello from the Node example")
  --once       exit once that mail is delivered (its first "delivered" receipt)
  --timeout N  give up after N seconds (default with --once: 30; otherwise none)

environment: POSTOFFICE_URL (default ws://localhost:8080/ws), POSTOFFICE_TOKEN (required;
get one with: npx postoffice token --sub alice)`;

function usage(message) {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      once: { type: "boolean", default: false },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  usage(error.message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [to, ...words] = positionals;
if (!to) usage("Name the recipient.");
const timeoutSec = values.timeout === undefined ? (values.once ? 30 : 0) : Number(values.timeout);
if (!Number.isFinite(timeoutSec) || timeoutSec < 0) usage("--timeout takes a number of seconds.");
const url = process.env.POSTOFFICE_URL || "ws://localhost:8080/ws";
const token = process.env.POSTOFFICE_TOKEN;
if (!token) usage("Set POSTOFFICE_TOKEN.");

// Node 20 has no global WebSocket: hand the SDK the `ws` package's.
const client = new PostofficeClient({ url, token, WebSocket });

let finished = false;
let timer;
function finish(code, message) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  if (message) (code === 0 ? console.log : console.error)(message);
  process.exitCode = code;
  client.close();
  // The process ends by itself once the socket has closed; this is only a safety net.
  setTimeout(() => process.exit(code), 2000).unref();
}

const text = words.join(" ");
let sentRef; // the frame id of the mail this run sent: its receipts carry it as `ref`
const deliveredRefs = new Set(); // a receipt can overtake the `accepted` reply

client.on("state", (state) => {
  if (state === "reconnecting") console.log("connection lost; reconnecting...");
});
client.on("welcome", ({ user, roles }) => {
  console.log(`connected as ${user}${roles.length > 0 ? ` (roles: ${roles.join(", ")})` : ""}`);
});
// Mail, old (waiting in the mailbox) and new. The SDK acknowledges it once this returns.
client.on("mail", (mail) => {
  console.log(`mail #${mail.seq} from ${mail.from}: ${describe(mail.body)}`);
});
// `delivered` and `read` receipts about mail this user sent, also acknowledged by the SDK.
client.on("receipt", (receipt) => {
  console.log(`receipt ${receipt.status}: mail ${receipt.mailId} to ${receipt.to}`);
  if (receipt.status === "delivered" && receipt.ref !== undefined) {
    deliveredRefs.add(receipt.ref);
    // Let the SDK send its ack for this receipt (after this handler returns), then close.
    if (receipt.ref === sentRef) setTimeout(doneIfOnce, 0);
  }
});
client.on("error", (error) => console.error(`error: ${explain(error)}`));

process.once("SIGINT", () => finish(0));
if (timeoutSec > 0) {
  timer = setTimeout(
    () =>
      finish(
        values.once ? 1 : 0,
        values.once
          ? `timed out after ${timeoutSec} s: no delivered receipt (is ${to} connected?)`
          : undefined,
      ),
    timeoutSec * 1000,
  );
}

try {
  await client.connect();
} catch (error) {
  finish(1, `could not connect to ${url}: ${error.message}`);
}

if (!finished) {
  const send = client.send(to, { text: text || "Hello from the Node example" });
  try {
    const accepted = await send;
    sentRef = accepted.ref;
    console.log(`sent to ${to}: accepted (mail ${accepted.id})`);
    if (deliveredRefs.has(sentRef)) doneIfOnce();
  } catch (error) {
    finish(1, `the mail to ${to} was refused: ${explain(error)}`);
  }
}

function doneIfOnce() {
  if (values.once) finish(0);
}

function explain(error) {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

/** The mail's text when it has one, otherwise its body as JSON. */
function describe(body) {
  return typeof body.text === "string" ? body.text : JSON.stringify(body);
}
