import { describe, expect, it } from "vitest";
import { check } from "./checks.js";
import type { MailboxContents, StoredEntry } from "./final-read.js";
import { type Attempt, Ledger, type Mail } from "./ledger.js";

/** A ledger and mailboxes written by hand: the checks must see each kind of failure. */
class Story {
  readonly ledger = new Ledger();
  private readonly boxes = new Map<string, StoredEntry[]>();
  private clock = 1_000;
  private readonly connection = this.ledger.newConnection();

  mail(key: string, to = "r0"): Mail {
    return this.ledger.newMail(key, "s0", to, `{"k":"${key}"}`);
  }

  /** An attempt sent now on the story's connection. */
  send(mail: Mail): Attempt {
    const attempt = this.ledger.attempt(mail, this.connection);
    attempt.sentAt = this.tick();
    return attempt;
  }

  accept(attempt: Attempt, id: string): void {
    this.ledger.accepted(attempt, id, attempt.sentAt);
    attempt.answeredAt = this.tick();
    attempt.mail.acceptedAt = attempt.answeredAt;
  }

  refuse(attempt: Attempt, code: string): void {
    this.ledger.refused(attempt, code);
    attempt.answeredAt = this.tick();
  }

  /** Puts an entry in the recipient's mailbox, stamped as if stored by `attempt`. */
  store(attempt: Attempt, id: string, seq: number): void {
    const box = this.boxes.get(attempt.mail.recipient) ?? [];
    box.push({ seq, id, kind: "mail", key: attempt.mail.key, from: "s0", ts: attempt.sentAt });
    this.boxes.set(attempt.mail.recipient, box);
  }

  verdict() {
    const contents: MailboxContents[] = [...this.boxes].map(([user, entries]) => ({
      user,
      entries: entries.sort((a, b) => a.seq - b.seq),
      holes: [],
    }));
    return check(this.ledger, contents, []);
  }

  private tick(): number {
    this.clock += 10;
    return this.clock;
  }
}

describe("the chaos checks", () => {
  it("pass a run where every accepted mail is stored once, in order", () => {
    const story = new Story();
    for (let n = 1; n <= 3; n++) {
      const attempt = story.send(story.mail(`s0-${n}`));
      story.store(attempt, `id${n}`, n);
      story.accept(attempt, `id${n}`);
    }
    const verdict = story.verdict();
    expect(verdict.accepted).toBe(3);
    expect([verdict.lost, verdict.reordered, verdict.storedTwice, verdict.phantoms]).toEqual([
      [],
      [],
      [],
      [],
    ]);
  });

  it("count an accepted mail missing from its mailbox as lost", () => {
    const story = new Story();
    story.accept(story.send(story.mail("s0-1")), "id1");
    expect(story.verdict().lost).toHaveLength(1);
  });

  it("count a mail stored before one that was accepted before it was sent as reordered", () => {
    const story = new Story();
    const first = story.send(story.mail("s0-1"));
    story.accept(first, "id1");
    const second = story.send(story.mail("s0-2"));
    story.accept(second, "id2");
    story.store(second, "id2", 1);
    story.store(first, "id1", 2);
    expect(story.verdict().reordered).toHaveLength(1);
  });

  it("count pipelined sends of one connection stored out of frame order as reordered", () => {
    const story = new Story();
    const first = story.send(story.mail("s0-1"));
    const second = story.send(story.mail("s0-2"));
    story.store(second, "id2", 1);
    story.store(first, "id1", 2);
    story.accept(first, "id1");
    story.accept(second, "id2");
    expect(story.verdict().reordered).toHaveLength(1);
  });

  it("count one mail stored under two ids as stored twice", () => {
    const story = new Story();
    const mail = story.mail("s0-1");
    const first = story.send(mail);
    story.store(first, "id1", 1);
    const retry = story.send(mail);
    story.store(retry, "id2", 2);
    story.accept(retry, "id2");
    expect(story.verdict().storedTwice).toHaveLength(1);
  });

  it("count a mail refused with store_unavailable and stored anyway apart from phantoms, and one refused otherwise as a phantom", () => {
    const story = new Story();
    const unavailable = story.send(story.mail("s0-1"));
    story.refuse(unavailable, "store_unavailable");
    story.store(unavailable, "id1", 1);
    const full = story.send(story.mail("s0-2"));
    story.refuse(full, "mailbox_full");
    story.store(full, "id2", 2);
    const verdict = story.verdict();
    expect(verdict.refusedButStored).toHaveLength(1);
    expect(verdict.refusedButStoredNeverAccepted).toBe(1);
    expect(verdict.phantoms).toHaveLength(1);
  });

  it("allow a mail whose attempt went unanswered, or answered outcome_unknown, to be stored", () => {
    const story = new Story();
    const unanswered = story.send(story.mail("s0-1"));
    story.ledger.unanswered(unanswered);
    story.store(unanswered, "id1", 1);
    const unknown = story.send(story.mail("s0-2"));
    story.refuse(unknown, "outcome_unknown");
    story.store(unknown, "id2", 2);
    const verdict = story.verdict();
    expect([verdict.storedUnanswered, verdict.storedOutcomeUnknown]).toEqual([1, 1]);
    expect([verdict.phantoms, verdict.refusedButStored, verdict.lost]).toEqual([[], [], []]);
  });
});
