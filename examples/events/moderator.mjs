// The webhook of the events example: POST /moderate receives the event, answers the payload
// to use instead (here: the message with a word masked), or 403 to refuse it (a link).
import { createServer } from "node:http";

const port = Number(process.env.MODERATOR_PORT ?? 8091);

createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    const event = JSON.parse(body);
    const message = String(event.payload?.message ?? "");
    res.setHeader("content-type", "application/json");
    if (/https?:\/\//.test(message)) {
      res.writeHead(403).end(JSON.stringify({ message: "No links in this room, please." }));
      return;
    }
    res.end(JSON.stringify({ message: message.replace(/\bdarn\b/gi, "d*rn") }));
  });
}).listen(port, "127.0.0.1", () => console.log(`moderator on http://127.0.0.1:${port}/moderate`));
