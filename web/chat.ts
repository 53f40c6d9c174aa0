/**
 * The chat page: a small client of the Postoffice server built on the SDK (src/client).
 * Rooms (join, leave, members, presence; the rooms the server joins us to, such as chat mode's),
 * direct messages with their receipts (accepted → delivered → read; mail is marked read once
 * its conversation is open on a visible page), broadcasts. Everything shown is set as text,
 * never as HTML.
 */
import {
  type JsonObject,
  PostofficeClient,
  type PostofficeError,
  type Receipt,
  type WebInfo,
} from "../src/client/index.js";
import { byId, clock, el } from "./dom.js";

type SendStatus = "sending" | "accepted" | "delivered" | "read" | "failed";
const RANK: Record<SendStatus, number> = {
  failed: -1,
  sending: 0,
  accepted: 1,
  delivered: 2,
  read: 3,
};

interface Line {
  kind: "message" | "event";
  text: string;
  from?: string;
  ts?: number;
  mine?: boolean;
  /** Direct mail this page sent: where its receipt stands. */
  status?: SendStatus;
  statusElement?: HTMLElement;
}

interface Conversation {
  key: string;
  kind: "room" | "dm" | "broadcast";
  name: string;
  lines: Line[];
  unread: number;
  /** Rooms: who is in it (from `who`, then presence events). */
  members: Set<string>;
}

const ui = {
  signInView: byId("sign-in-view"),
  signIn: byId<HTMLFormElement>("sign-in"),
  token: byId<HTMLInputElement>("token"),
  anonymous: byId("anonymous"),
  username: byId<HTMLInputElement>("username"),
  signInError: byId("sign-in-error"),
  chatView: byId("chat-view"),
  status: byId("status"),
  me: byId("me"),
  signOut: byId<HTMLButtonElement>("sign-out"),
  joinForm: byId<HTMLFormElement>("join-form"),
  roomName: byId<HTMLInputElement>("room-name"),
  roomList: byId("room-list"),
  dmForm: byId<HTMLFormElement>("dm-form"),
  dmUser: byId<HTMLInputElement>("dm-user"),
  dmList: byId("dm-list"),
  title: byId("title"),
  leave: byId<HTMLButtonElement>("leave"),
  messages: byId("messages"),
  composer: byId<HTMLFormElement>("composer"),
  text: byId<HTMLInputElement>("text"),
  membersPanel: byId("members-panel"),
  members: byId("members"),
  notice: byId("notice"),
};

let info: WebInfo = { wsPath: "/ws", anonymous: false, chatRoom: null };
let client: PostofficeClient | undefined;
let me = "";
const conversations = new Map<string, Conversation>();
let current: string | undefined;
/** Sent mail by the frame id the SDK gave it (its receipts carry it as `ref`). */
const sent = new Map<string, Line>();
/** Receipts that arrived before their send's `accepted` settled; a few only. */
const early = new Map<string, SendStatus>();
/** The rooms the server joined this session to (chat mode's): not ours to leave. */
let serverRooms = new Set<string>();
/** Mail not yet seen by the person, by mailbox `seq`, with its conversation's key. */
const unseen = new Map<number, string>();
/** The highest mailbox `seq` of mail received, and the last one marked read. */
let lastMailSeq = 0;
let readUpTo = 0;

// ---- signing in and out -------------------------------------------------------------------

void loadInfo();

async function loadInfo(): Promise<void> {
  try {
    const response = await fetch("api/info", { cache: "no-store" });
    if (response.ok) info = (await response.json()) as WebInfo;
  } catch {
    // Defaults: /ws, token sign-in.
  }
  ui.anonymous.hidden = !info.anonymous;
}

ui.signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  void signIn(ui.token.value.trim(), ui.username.value.trim());
});

async function signIn(token: string, name: string): Promise<void> {
  ui.signInError.textContent = "";
  if (token === "" && !(info.anonymous && name !== "")) {
    ui.signInError.textContent = info.anonymous ? "Enter a token or a name." : "Enter a token.";
    return;
  }
  const url = new URL(info.wsPath, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  // Without a token the server (in anonymous mode) names the session from the URL.
  if (token === "") url.searchParams.set("username", name);
  const next = new PostofficeClient({ url: url.toString(), ...(token === "" ? {} : { token }) });
  let refusal = "";
  const offRefusal = next.on("error", (error) => {
    refusal ||= error.message; // the server's own words come first, then the SDK's close
  });
  wire(next);
  client = next;
  try {
    // Resolves on the token's own welcome (the SDK ignores an anonymous server's first greeting),
    // rejects when the server refuses the sign-in.
    await next.connect();
  } catch {
    client = undefined;
    next.close();
    me = "";
    showSignedOut();
    ui.signInError.textContent = `The server refused the sign-in: ${refusal || "connection closed"}.`;
    return;
  } finally {
    offRefusal();
  }
  ui.signInView.hidden = true;
  ui.chatView.hidden = false;
  ui.signOut.hidden = false;
  const [arrival] = serverRooms;
  if (arrival !== undefined) {
    select(`room:${arrival}`);
    void refreshMembers(arrival);
  }
  ui.roomName.focus();
}

ui.signOut.addEventListener("click", () => {
  client?.close();
  client = undefined;
  me = "";
  conversations.clear();
  sent.clear();
  early.clear();
  serverRooms = new Set();
  unseen.clear();
  lastMailSeq = 0;
  readUpTo = 0;
  current = undefined;
  showSignedOut();
  render();
});

function showSignedOut(): void {
  ui.me.textContent = "";
  ui.status.dataset.state = "closed";
  ui.status.textContent = "signed out";
  ui.signOut.hidden = true;
  ui.chatView.hidden = true;
  ui.signInView.hidden = false;
}

function wire(c: PostofficeClient): void {
  c.on("state", (state) => {
    if (c !== client) return;
    ui.status.dataset.state = state;
    ui.status.textContent = state === "open" ? "connected" : state;
  });
  c.on("welcome", ({ user, rooms }) => {
    if (c !== client) return;
    const again = me !== "";
    me = user;
    ui.me.textContent = `signed in as ${user}`;
    // Rooms the server joined us to: listed from now on, their messages follow.
    serverRooms = new Set(rooms);
    for (const room of rooms) conversation("room", room);
    // After a reconnect the SDK has rejoined the rooms; who is there may have changed.
    if (again)
      for (const conv of conversations.values())
        if (conv.kind === "room") void refreshMembers(conv.name);
  });
  c.on("mail", (mail) => {
    const other = mail.from === me ? mail.to : mail.from;
    const conv = conversation("dm", other);
    unseen.set(mail.seq, conv.key);
    lastMailSeq = Math.max(lastMailSeq, mail.seq);
    add(conv, {
      kind: "message",
      from: mail.from,
      text: textOf(mail.body),
      ts: mail.ts,
      mine: false,
    });
    markSeen();
  });
  c.on("receipt", (receipt) => onReceipt(receipt));
  c.on("roomMessage", (message) => {
    add(conversation("room", message.room), {
      kind: "message",
      from: message.from,
      text: textOf(message.body),
      ts: message.ts,
      mine: message.from === me,
    });
  });
  c.on("presence", ({ room, event, user }) => {
    const conv = conversation("room", room);
    if (event === "join") conv.members.add(user);
    else conv.members.delete(user);
    add(conv, { kind: "event", text: `${user} ${event === "join" ? "joined" : "left"}` }, false);
    if (current === conv.key) renderMembers(conv);
  });
  c.on("broadcast", (message) => {
    add(conversation("broadcast", "Broadcasts"), {
      kind: "message",
      from: message.from,
      text: textOf(message.body),
      ts: message.ts,
      mine: message.from === me,
    });
  });
  c.on("error", (error) => {
    // While signing in, the sign-in form tells what went wrong.
    if (c === client && !ui.chatView.hidden) notify(error.message);
  });
}

// ---- rooms and conversations ----------------------------------------------------------------

ui.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = ui.roomName.value.trim();
  if (room === "" || client === undefined) return;
  client.join(room).then(
    () => {
      ui.roomName.value = "";
      conversation("room", room);
      select(`room:${room}`);
      void refreshMembers(room);
    },
    (error: PostofficeError) => notify(`Cannot join ${room}: ${error.message}`),
  );
});

ui.leave.addEventListener("click", () => {
  const conv = current === undefined ? undefined : conversations.get(current);
  if (conv?.kind !== "room" || client === undefined) return;
  client.leave(conv.name).then(
    () => {
      conversations.delete(conv.key);
      current = undefined;
      render();
    },
    (error: PostofficeError) => notify(`Cannot leave ${conv.name}: ${error.message}`),
  );
});

ui.dmForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const user = ui.dmUser.value.trim();
  if (user === "") return;
  ui.dmUser.value = "";
  conversation("dm", user);
  select(`dm:${user}`);
});

async function refreshMembers(room: string): Promise<void> {
  if (client === undefined) return;
  try {
    const members = await client.who(room);
    const conv = conversations.get(`room:${room}`);
    if (conv === undefined) return;
    conv.members = new Set(members);
    if (current === conv.key) renderMembers(conv);
  } catch (error) {
    notify(`Cannot list the members of ${room}: ${(error as Error).message}`);
  }
}

function conversation(kind: Conversation["kind"], name: string): Conversation {
  const key = `${kind}:${name}`;
  let conv = conversations.get(key);
  if (conv === undefined) {
    conv = { key, kind, name, lines: [], unread: 0, members: new Set() };
    conversations.set(key, conv);
    renderLists();
  }
  return conv;
}

function select(key: string): void {
  current = key;
  const conv = conversations.get(key);
  if (conv) conv.unread = 0;
  render();
  ui.text.focus();
  markSeen();
}

// ---- read receipts --------------------------------------------------------------------------

document.addEventListener("visibilitychange", () => markSeen());

/**
 * The mail of the open conversation has been seen, if the page is visible: its senders get
 * `read`. A read mark is cumulative (every mail up to a `seq`), so it goes up to the first mail
 * still unseen in another conversation, and that mail's senders wait until it is opened.
 */
function markSeen(): void {
  if (client === undefined || document.visibilityState !== "visible") return;
  for (const [seq, key] of unseen) if (key === current) unseen.delete(seq);
  let upTo = lastMailSeq;
  for (const seq of unseen.keys()) upTo = Math.min(upTo, seq - 1);
  if (upTo <= readUpTo) return;
  readUpTo = upTo;
  client.markRead(upTo);
}

// ---- sending --------------------------------------------------------------------------------

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const conv = current === undefined ? undefined : conversations.get(current);
  const text = ui.text.value.trim();
  if (conv === undefined || client === undefined || text === "") return;
  ui.text.value = "";
  if (conv.kind === "room") {
    // The room sends it back to every member, this page included: shown then.
    client.sendToRoom(conv.name, { text }).catch((error: PostofficeError) => {
      notify(`Not sent to ${conv.name}: ${error.message}`);
    });
    return;
  }
  if (conv.kind !== "dm") return;
  const line: Line = {
    kind: "message",
    from: me,
    text,
    ts: Date.now(),
    mine: true,
    status: "sending",
  };
  add(conv, line);
  client.send(conv.name, { text }).then(
    ({ ref, ts }) => {
      line.ts = ts;
      sent.set(ref, line);
      setStatus(line, early.get(ref) ?? "accepted");
      early.delete(ref);
    },
    (error: PostofficeError) => {
      setStatus(line, "failed");
      notify(`Not sent to ${conv.name}: ${error.message}`);
    },
  );
});

function onReceipt(receipt: Receipt): void {
  if (receipt.ref === undefined) return;
  const line = sent.get(receipt.ref);
  if (line) {
    setStatus(line, receipt.status);
    // `read` is the last a mail can get: nothing will ask for its line by this ref again.
    if (receipt.status === "read") sent.delete(receipt.ref);
    return;
  }
  // Possibly about a send whose `accepted` is about to settle; or about mail from an earlier visit.
  early.set(receipt.ref, receipt.status);
  if (early.size > 200) early.delete(early.keys().next().value as string);
}

function setStatus(line: Line, status: SendStatus): void {
  if (line.status !== undefined && status !== "failed" && RANK[status] <= RANK[line.status]) return;
  line.status = status;
  if (line.statusElement) paintStatus(line.statusElement, status);
}

function paintStatus(element: HTMLElement, status: SendStatus): void {
  element.dataset.status = status;
  element.textContent = status === "sending" ? "sending…" : status;
}

// ---- rendering ------------------------------------------------------------------------------

function add(conv: Conversation, line: Line, countsAsUnread = true): void {
  conv.lines.push(line);
  if (conv.lines.length > 500) conv.lines.shift();
  if (current === conv.key) {
    appendLine(line);
  } else if (countsAsUnread && !line.mine) {
    conv.unread += 1;
    renderLists();
  }
  // Nothing selected yet: the first conversation with news opens.
  if (current === undefined) select(conv.key);
}

function render(): void {
  renderLists();
  const conv = current === undefined ? undefined : conversations.get(current);
  ui.title.textContent =
    conv === undefined
      ? "Join a room or open a conversation"
      : conv.kind === "room"
        ? `# ${conv.name}`
        : conv.kind === "dm"
          ? `@ ${conv.name}`
          : conv.name;
  ui.leave.hidden = conv?.kind !== "room" || serverRooms.has(conv.name);
  const canWrite = conv !== undefined && conv.kind !== "broadcast";
  ui.text.disabled = !canWrite;
  (ui.composer.querySelector("button") as HTMLButtonElement).disabled = !canWrite;
  ui.text.placeholder = conv === undefined ? "Write a message" : `Message ${ui.title.textContent}`;
  ui.messages.replaceChildren();
  for (const line of conv?.lines ?? []) appendLine(line);
  ui.membersPanel.hidden = conv?.kind !== "room";
  ui.chatView.classList.toggle("with-members", conv?.kind === "room");
  if (conv?.kind === "room") renderMembers(conv);
}

function renderLists(): void {
  const rooms: HTMLElement[] = [];
  const dms: HTMLElement[] = [];
  for (const conv of conversations.values()) {
    const button = el("button", "", "");
    button.type = "button";
    button.append(el("span", "", conv.kind === "room" ? `# ${conv.name}` : conv.name));
    if (conv.unread > 0) button.append(el("span", "badge", String(conv.unread)));
    button.setAttribute("aria-current", String(conv.key === current));
    button.addEventListener("click", () => select(conv.key));
    const item = el("li");
    item.append(button);
    (conv.kind === "room" ? rooms : dms).push(item);
  }
  ui.roomList.replaceChildren(...rooms);
  ui.dmList.replaceChildren(...dms);
}

function renderMembers(conv: Conversation): void {
  ui.members.replaceChildren(
    ...[...conv.members].sort().map((user) => el("li", "", user === me ? `${user} (you)` : user)),
  );
}

function appendLine(line: Line): void {
  const stick = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
  if (line.kind === "event") {
    ui.messages.append(el("li", "event", line.text));
  } else {
    const item = el("li", line.mine ? "msg mine" : "msg");
    const meta = el("div", "meta");
    meta.append(el("span", "from", line.from ?? ""), el("time", "", clock(line.ts ?? Date.now())));
    item.append(meta, el("div", "text", line.text));
    if (line.status !== undefined) {
      const receipt = el("div", "receipt");
      paintStatus(receipt, line.status);
      line.statusElement = receipt;
      item.append(receipt);
    }
    ui.messages.append(item);
  }
  if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function notify(text: string): void {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    ui.notice.hidden = true;
  }, 6000);
}

function textOf(body: JsonObject): string {
  return typeof body.text === "string" ? body.text : JSON.stringify(body);
}
