/**
 * What an operator does from the dashboard, through the server API (docs/api.md): look up a
 * user's sessions and mailbox depth (scope `read`), disconnect a user (`admin`), publish to a
 * room (`publish`). Everything the server sends back is shown as text, never parsed as HTML.
 */
import { type Answer, call, refusal } from "./api-key.js";
import { byId, clock, el } from "./dom.js";

/** `GET /api/v1/users/{user}/sessions`. */
interface SessionsAnswer {
  node: string;
  sessions: Array<{ id: string; dialect: string; rooms: string[]; mailboxPosition: number }>;
}

/** `GET /api/v1/users/{user}/mailbox`. */
interface MailboxAnswer {
  position: { last: number; acked: number; read: number };
  entries: Array<
    | { kind: "mail"; seq: number; from: string; ts: number; body: unknown }
    | { kind: "receipt"; seq: number; status: string; mailId: string; ts: number }
  >;
  next: number | null;
}

/** One page of the mailbox counts what waits: the most the API gives at once. */
const MAILBOX_PAGE = 1000;
/** Entries listed under the count. */
const SHOWN_ENTRIES = 10;
const DISCONNECT_REASON = "disconnected by an operator";

const ui = {
  userForm: byId<HTMLFormElement>("user-form"),
  user: byId<HTMLInputElement>("user-id"),
  disconnect: byId<HTMLButtonElement>("disconnect"),
  userResult: byId("user-result"),
  summary: byId("user-summary"),
  position: byId("user-position"),
  sessions: byId("user-sessions"),
  entries: byId("user-entries"),
  publishForm: byId<HTMLFormElement>("publish-form"),
  room: byId<HTMLInputElement>("publish-room"),
  data: byId<HTMLTextAreaElement>("publish-data"),
  publishResult: byId("publish-result"),
};

/** Wires the forms; `key` gives the key in use when an action runs. */
export function startOperatorActions(key: () => string): void {
  ui.userForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void lookUp(key(), ui.user.value.trim());
  });
  ui.disconnect.addEventListener("click", () => {
    if (ui.userForm.reportValidity()) void disconnect(key(), ui.user.value.trim());
  });
  ui.publishForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void publish(key(), ui.room.value.trim(), ui.data.value);
  });
}

async function lookUp(key: string, user: string): Promise<void> {
  const base = `api/v1/users/${encodeURIComponent(user)}`;
  try {
    const [sessions, mailbox] = await Promise.all([
      call<SessionsAnswer>(key, "GET", `${base}/sessions`),
      call<MailboxAnswer>(key, "GET", `${base}/mailbox?limit=${MAILBOX_PAGE}`),
    ]);
    if (!sessions.ok || sessions.body === undefined) return say(ui.userResult, sessions);
    if (!mailbox.ok || mailbox.body === undefined) return say(ui.userResult, mailbox);
    showUser(user, sessions.body, mailbox.body);
  } catch (error) {
    sayText(ui.userResult, "error", `The server did not answer: ${(error as Error).message}`);
  }
}

function showUser(user: string, found: SessionsAnswer, mailbox: MailboxAnswer): void {
  const { sessions, node } = found;
  const { entries, position, next } = mailbox;
  const mail = entries.filter((entry) => entry.kind === "mail").length;
  const depth = next === null ? String(entries.length) : `${entries.length}+`;
  sayText(
    ui.userResult,
    "ok",
    `${user}: ${sessions.length} ${sessions.length === 1 ? "session" : "sessions"} on ${node}; ` +
      `${depth} waiting in the mailbox (${mail} mail, ${entries.length - mail} receipts)`,
  );
  ui.position.textContent = `Mailbox positions: last ${position.last}, delivered ${position.acked}, read ${position.read}.`;
  ui.sessions.replaceChildren(
    ...(sessions.length === 0
      ? [row(["No session on this node."], "none")]
      : sessions.map((session) =>
          row([
            session.id,
            session.dialect,
            session.rooms.join(", ") || "–",
            String(session.mailboxPosition),
          ]),
        )),
  );
  ui.entries.replaceChildren(
    ...(entries.length === 0
      ? [row(["Nothing waits."], "none")]
      : entries
          .slice(0, SHOWN_ENTRIES)
          .map((entry) =>
            entry.kind === "mail"
              ? row([String(entry.seq), clock(entry.ts), `from ${entry.from}`, preview(entry.body)])
              : row([String(entry.seq), clock(entry.ts), `receipt ${entry.status}`, entry.mailId]),
          )),
  );
  ui.summary.hidden = false;
}

async function disconnect(key: string, user: string): Promise<void> {
  try {
    const answer = await call<{ node: string; closedOnThisNode: number }>(
      key,
      "POST",
      `api/v1/users/${encodeURIComponent(user)}/disconnect`,
      { reason: DISCONNECT_REASON },
    );
    clearUser();
    if (!answer.ok || answer.body === undefined) return say(ui.userResult, answer);
    const { closedOnThisNode, node } = answer.body;
    sayText(
      ui.userResult,
      "ok",
      `${user} disconnected: ${closedOnThisNode} closed on ${node}, other nodes told.`,
    );
  } catch (error) {
    sayText(ui.userResult, "error", `The server did not answer: ${(error as Error).message}`);
  }
}

async function publish(key: string, room: string, text: string): Promise<void> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return sayText(ui.publishResult, "error", "data is not valid JSON.");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return sayText(
      ui.publishResult,
      "error",
      'data must be a JSON object, such as {"text": "Hi"}.',
    );
  }
  try {
    const answer = await call<{ accepted: Array<{ id: string }> }>(key, "POST", "api/v1/publish", {
      room,
      data,
    });
    if (!answer.ok || answer.body === undefined) return say(ui.publishResult, answer);
    const id = answer.body.accepted[0]?.id ?? "?";
    sayText(ui.publishResult, "ok", `Published to ${room}: ${id}`);
  } catch (error) {
    sayText(ui.publishResult, "error", `The server did not answer: ${(error as Error).message}`);
  }
}

function say(target: HTMLElement, answer: Answer): void {
  sayText(target, "error", refusal(answer));
  if (target === ui.userResult) clearUser();
}

function sayText(target: HTMLElement, state: "ok" | "error", text: string): void {
  target.dataset.state = state;
  target.textContent = text;
}

function clearUser(): void {
  ui.summary.hidden = true;
  ui.sessions.replaceChildren();
  ui.entries.replaceChildren();
}

function row(cells: string[], className = ""): HTMLTableRowElement {
  const tr = el("tr");
  for (const text of cells) tr.append(el("td", className, text));
  const last = tr.lastElementChild as HTMLTableCellElement | null;
  if (cells.length === 1 && last !== null) last.colSpan = 4;
  return tr;
}

/** A mail's body in one line: its `text` if it has one, else its JSON, cut short. */
function preview(body: unknown): string {
  const text = (body as { text?: unknown } | null)?.text;
  const line = typeof text === "string" ? text : JSON.stringify(body);
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
