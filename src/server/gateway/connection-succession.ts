import { CLOSE_CODES } from "../../protocol/index.js";
import type { DialectName, Supersede } from "../dialects/dialect.js";
import { type Claim, outranks } from "../session/connection-claims.js";
import type { Session } from "../session/session.js";
import type { SessionRegistry } from "../session/session-registry.js";

export interface SuccessionDeps {
  /** The node's sessions, and who holds each key (`claims`). */
  registry: Pick<SessionRegistry, "claims" | "detach">;
  /** Resolves once the mail written to the user is acknowledged (WrittenAcks.settled). */
  acksSettled: (userId: string) => Promise<void>;
  /** Tells the other nodes of a network, whose holder of the key this claim outranks closes. */
  announce?: (claim: Claim) => void;
}

/** A dialect's key, scoped by the dialect: GO-POSTOFFICE's clientID `a` is not native user `a`'s. */
export function claimOf(dialect: DialectName, supersede: Supersede): Claim {
  return {
    key: `${dialect}:${supersede.key}`,
    rank: supersede.rank,
    winsTies: supersede.winsTies,
  };
}

/**
 * One connection per key (Admission.supersede), at the upgrade: a newcomer outranked by the
 * holder is refused before the upgrade; otherwise, once it is upgraded, the holder is closed
 * with 4410 and the newcomer starts its mailbox where the holder's written mail ends. The check
 * and the take-over run in one turn of the event loop (the upgrade completes synchronously),
 * so two handshakes of one key in flight at once meet each other: one wins.
 */
export class ConnectionSuccession {
  constructor(private readonly deps: SuccessionDeps) {}

  /** The holder of the key outranks the newcomer: it must be refused. */
  refuses(claim: Claim): boolean {
    const holding = this.deps.registry.claims.holding(claim.key);
    return holding !== undefined && !outranks(claim, holding.rank);
  }

  /**
   * The newcomer is upgraded: it holds the key now, the holder it replaces is closed, and the
   * other nodes are told. Returns the hand-over the newcomer's start waits for, if it replaced
   * a connection here.
   */
  takeOver(
    claim: Claim,
    userId: string,
    open: (handover: Promise<void> | undefined) => Session,
  ): void {
    const { registry, acksSettled, announce } = this.deps;
    const replaced = registry.claims.holding(claim.key)?.holder;
    if (replaced === undefined) {
      registry.claims.hold(claim, open(undefined));
      announce?.(claim);
      return;
    }
    // Closed first, so that it writes nothing more: what it wrote is acknowledged before the
    // newcomer reads its mailbox position, and what it did not write goes to the newcomer.
    replaced.close(CLOSE_CODES.replaced, "replaced");
    // Nor does it count among the user's sessions (limits.maxSessionsPerUser) while its close
    // handshake runs: it is gone for the newcomer at once. One replaced before its own start
    // has no identity yet, and is not among them.
    const user = replaced.identity?.userId;
    if (user !== undefined) registry.detach(replaced, user);
    // Waited for under the newcomer's own user (the key's holders are that user): a holder
    // replaced before its start still has the writes of the one it replaced in flight.
    registry.claims.hold(claim, open(acksSettled(userId)));
    announce?.(claim);
  }
}
