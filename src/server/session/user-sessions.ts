import { randomUUID } from "node:crypto";
import { CLOSE_CODES } from "../../protocol/index.js";
import { type Broker, topics } from "../broker/broker.js";
import { type Claim, outranks } from "./connection-claims.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";

/** One open session of a user, for support tools. */
export interface SessionInfo {
  id: string;
  /** The node that holds the connection. */
  node: string;
  /** The dialect the client speaks (`native`, `broadcast`, ...). */
  dialect: string;
  /** Rooms the session is in. */
  rooms: string[];
  /** Highest mailbox sequence handed to the session. */
  mailboxPosition: number;
  /** When its credential expires (epoch ms), if it says so. */
  expiresAt: number | null;
}

/** Why and how a user's sessions are closed. */
export interface DisconnectOrder {
  user: string;
  /** A WebSocket close code, 4000–4999. */
  code: number;
  reason: string;
}

interface DisconnectMessage extends DisconnectOrder {
  /** The UserSessions that took the order and closed its own sessions already. */
  origin: string;
}

/**
 * A connection took a key on another node (one connection per key, ConnectionSuccession):
 * a holder here that it outranks is closed; one that outranks it answers with its own claim,
 * which always wins a tie, so that the newcomer over there is closed. Ranks only rise along
 * such an exchange, so it ends.
 */
interface ClaimMessage {
  origin: string;
  claim: { key: string; rank: string; winsTies: boolean };
}

/**
 * A user's sessions, seen from the server API: listed on this node, closed on every node; and
 * the claims of one connection per key, told to every node.
 * A disconnect closes this node's sessions at once and is published on the broker, where
 * every other node closes its own; on one node the broker is the process's, and nobody else
 * listens.
 */
export class UserSessions {
  /** Unique to this object: node ids repeat when several nodes share a process (tests). */
  readonly #origin = randomUUID();

  constructor(
    private readonly registry: SessionRegistry,
    private readonly broker: Broker,
    private readonly nodeId: string,
    /** A claim could not be told to the other nodes (their holder of the key stays open). */
    private readonly onAnnounceError: (error: unknown) => void,
  ) {}

  /** Starts closing the sessions other nodes are told to close; call once, at start. */
  async follow(): Promise<void> {
    await this.broker.subscribe(topics.disconnect, (message) => {
      const parsed = parseMessage(message.frame);
      if (parsed === undefined || parsed.origin === this.#origin) return;
      if ("claim" in parsed) this.claimedElsewhere(parsed.claim);
      else this.closeHere(parsed);
    });
  }

  /** A connection here took `claim.key`: the other nodes close their holder it outranks. */
  readonly announce = (claim: Claim): void => {
    const { key, rank, winsTies } = claim;
    const message: ClaimMessage = {
      origin: this.#origin,
      claim: { key, rank: rank.toString(), winsTies },
    };
    this.broker
      .publish(topics.disconnect, { seq: 0, frame: JSON.stringify(message) })
      .catch(this.onAnnounceError);
  };

  private claimedElsewhere(wire: ClaimMessage["claim"]): void {
    const claim: Claim = { key: wire.key, rank: BigInt(wire.rank), winsTies: wire.winsTies };
    const holding = this.registry.claims.holding(claim.key);
    if (holding === undefined) return;
    if (outranks(claim, holding.rank)) {
      const { holder } = holding;
      holder.close(CLOSE_CODES.replaced, "replaced");
      if (holder.identity) this.registry.detach(holder, holder.identity.userId);
      return;
    }
    this.announce({ key: claim.key, rank: holding.rank, winsTies: true });
  }

  /** The user's sessions on this node. */
  sessionsOf(user: string): SessionInfo[] {
    return this.#local(user).map((session) => ({
      id: session.id,
      node: this.nodeId,
      dialect: session.dialect.name,
      rooms: session.roomList(),
      mailboxPosition: session.mailboxPosition,
      expiresAt: session.identity?.expiresAt ?? null,
    }));
  }

  /**
   * Closes the user's sessions on every node; resolves with how many were open on this one,
   * once the order is published to the others.
   */
  async disconnect(order: DisconnectOrder): Promise<number> {
    const closed = this.closeHere(order);
    const message: DisconnectMessage = { ...order, origin: this.#origin };
    await this.broker.publish(topics.disconnect, { seq: 0, frame: JSON.stringify(message) });
    return closed;
  }

  private closeHere(order: DisconnectOrder): number {
    const sessions = this.#local(order.user);
    for (const session of sessions) session.close(order.code, order.reason);
    return sessions.length;
  }

  /** A scan of the node's sessions: an operator's request, rare next to the traffic. */
  #local(user: string): Session[] {
    const found: Session[] = [];
    for (const session of this.registry.sessions()) {
      if (session.isOpen && session.identity?.userId === user) found.push(session);
    }
    return found;
  }
}

function parseMessage(frame: string): DisconnectMessage | ClaimMessage | undefined {
  try {
    const value = JSON.parse(frame) as Partial<DisconnectMessage> & Partial<ClaimMessage>;
    const claim = value.claim;
    if (
      typeof value.origin === "string" &&
      typeof claim === "object" &&
      claim !== null &&
      typeof claim.key === "string" &&
      typeof claim.rank === "string" &&
      /^-?[0-9]+$/.test(claim.rank) &&
      typeof claim.winsTies === "boolean"
    ) {
      return value as ClaimMessage;
    }
    if (
      typeof value.user === "string" &&
      typeof value.code === "number" &&
      typeof value.reason === "string" &&
      typeof value.origin === "string"
    ) {
      return value as DisconnectMessage;
    }
  } catch {
    // Not ours: another deployment on the same Redis prefix would be a misconfiguration.
  }
  return undefined;
}
