/** setTimeout's largest delay; a later expiry is re-armed when this one fires. */
const MAX_TIMER_MS = 2_147_483_647;

interface Instant<Member> {
  members: Set<Member>;
  timer: NodeJS.Timeout;
}

/**
 * When sessions' credentials run out [AUTH-2]: one timer per distinct expiry instant, shared by
 * the sessions that expire then, rather than one per session (a timer and its list cost about
 * 200 bytes of heap per idle connection, a set entry a few words). A JWT's `exp` is in whole
 * seconds, so sessions that connect in the same second with tokens of one lifetime share one.
 */
export class TokenExpiries<Member> {
  private readonly instants = new Map<number, Instant<Member>>();

  /** `expire` is called for each member whose instant `at` (epoch ms) has come. */
  constructor(private readonly expire: (member: Member) => void) {}

  watch(member: Member, at: number): void {
    let instant = this.instants.get(at);
    if (instant === undefined) {
      instant = { members: new Set(), timer: this.arm(at) };
      this.instants.set(at, instant);
    }
    instant.members.add(member);
  }

  forget(member: Member, at: number): void {
    const instant = this.instants.get(at);
    if (!instant?.members.delete(member) || instant.members.size > 0) return;
    clearTimeout(instant.timer);
    this.instants.delete(at);
  }

  /** Instants watched (each one timer). */
  get size(): number {
    return this.instants.size;
  }

  private arm(at: number): NodeJS.Timeout {
    // Date.now() read at each call: tests fake the clock after the node started.
    const delay = Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(this.fire, delay, at);
    timer.unref();
    return timer;
  }

  private readonly fire = (at: number): void => {
    const instant = this.instants.get(at);
    if (instant === undefined) return;
    if (at > Date.now()) {
      // Further than setTimeout reaches (or a clock behind the timer's): wait the rest.
      instant.timer = this.arm(at);
      return;
    }
    this.instants.delete(at);
    for (const member of instant.members) this.expire(member);
  };
}
