// examples/node-client/tour.mjs: the client SDK in Node, as docs/client.md shows it.
//   POSTOFFICE_TOKEN=$(npx postoffice token --sub alice) node examples/node-client/tour.mjs
import { PostofficeClient } from "postoffice/client";
import WebSocket from "ws"; // Node 20 has no global WebSocket; in a browser, leave this out

const client = new PostofficeClient({
  url: process.env.POSTOFFICE_URL ?? "ws://localhost:8080/ws",
  token: process.env.POSTOFFICE_TOKEN, // or a function that returns a fresh one (or its promise)
  WebSocket,
});

// Mail, waiting and new, in order; each is acknowledged once its listeners have returned.
client.on("mail", (mail) => console.log(`mail #${mail.seq} from ${mail.from}: ${mail.body.text}`));
// `delivered` and `read` receipts about the mail this user sent.
client.on("receipt", (receipt) => console.log(`${receipt.status}: ${receipt.to} (${receipt.ref})`));
client.on("state", (state) => console.log(`(${state})`)); // connecting, open, reconnecting, closed

await client.connect();
const sent = await client.send("bob", { text: "Hello" }); // settles on `accepted`
console.log(`accepted: mail ${sent.id}`);
await client.send("bob", { text: "Read this" }, { waitFor: "delivered" }); // once bob has it
console.log("bob has it");
await client.join("lobby");
await client.sendToRoom("lobby", { text: "hi all" });
await client.flush(); // the acknowledgements sent so far are kept
client.close();
