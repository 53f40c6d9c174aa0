#!/usr/bin/env node
// A terminal chat of declared events, with the client SDK: every line it sends is an event of
// postoffice.yaml beside it (join_room, send_message, direct_message, shout, whoami), and
// what it prints are the notices, mail and refusals that come back.
//
//   POSTOFFICE_TOKEN=$(npx postoffice token --sub alice --config examples/events/postoffice.yaml) \
//     node examples/events/chat.mjs Alice lobby
//
// Lines: text (to the room), /dm <user> <text>, /shout <text>, /join <room>, /leave,
// /whoami, /quit. It reads its lines one at a time: each waits for its event's answer.
import { createInterface } from "node:readline";
// Inside this repository, "postoffice/client" resolves to dist/client/ through the package's
// self-reference: run `npm run build` first.
import { PostofficeClient } from "postoffice/client";
import WebSocket from "ws";

const [name, firstRoom = "lobby"] = process.argv.slice(2);
const url = process.env.POSTOFFICE_URL || "ws://127.0.0.1:8080/ws";
const token = process.env.POSTOFFICE_TOKEN;
if (!name || !token) {
  console.error("usage: POSTOFFICE_TOKEN=… node chat.mjs <display name> [room]");
  process.exit(2);
}

const client = new PostofficeClient({ url, token, WebSocket });
let room = firstRoom;

client.on("join_success", (payload) => console.log(`* joined ${payload.room}`));
client.on("user_joined", (payload) => console.log(`* ${payload.user.name} joined`));
client.on("user_left", (payload) => console.log(`* ${payload.user} left`));
client.on("new_message", (payload, notice) =>
  console.log(`[${notice.room}] ${payload.user}: ${payload.message}`),
);
client.on("shout", (payload) => console.log(`[${room}] ${payload.by} shouts ${payload.text}`));
client.on("dm_sent", (payload) => console.log(`* mailed ${payload.to}`));
client.on("mail", (mail) => console.log(`mail from ${mail.from}: ${mail.body.text}`));
client.on("receipt", (receipt) => console.log(`* ${receipt.to} ${receipt.status} your mail`));
client.on("error", (error) => console.error(`! ${error.message}`));

/** One line: an event, and what its refusal says if it is refused. */
async function handle(line) {
  const [command, ...rest] = line.split(" ");
  switch (command) {
    case "/quit":
      return false;
    case "/join":
      room = rest[0] ?? room;
      await client.emit("join_room", room, { name });
      return true;
    case "/leave":
      await client.emit("leave_room", room);
      return true;
    case "/dm":
      await client.emit("direct_message", `user:${rest[0]}`, { text: rest.slice(1).join(" ") });
      return true;
    case "/shout":
      await client.emit("shout", room, { text: rest.join(" ") });
      return true;
    case "/whoami": {
      const { reply } = await client.emit("whoami");
      console.log(
        `* you are ${reply?.payload.id} (${reply?.payload.roles.join(", ") || "no roles"})`,
      );
      return true;
    }
    default:
      if (line.trim() !== "") await client.emit("send_message", room, { message: line });
      return true;
  }
}

await client.connect();
await handle(`/join ${room}`);
for await (const line of createInterface({ input: process.stdin })) {
  let going = true;
  try {
    going = await handle(line);
  } catch (error) {
    // A refusal: the server's stable code, and why.
    console.log(`! ${error.code}: ${error.message}`);
  }
  if (!going) break;
}
await client.flush().catch(() => undefined);
client.close();
