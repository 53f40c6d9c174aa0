// The data object of a message the generators send, written in one of the two ways of
// `--parse`: light (a template, with the JSON of its names kept from one send to the next)
// or full (JSON.stringify, as an application's client would). Both give the same bytes
// (test/bench/frame-reading.test.ts).
/** @import { ParseMode } from "./frame-reading.mjs" */
/** @import { MessageBody } from "./load-client.mjs" */

/** A string's JSON, kept while the same string comes again (a client writes to one name). */
class Quoted {
  last = "";
  json = '""';

  /** @param {string} text */
  of(text) {
    if (text !== this.last) {
      this.last = text;
      this.json = JSON.stringify(text);
    }
    return this.json;
  }
}

export class DataWriter {
  #name = new Quoted();
  #text = new Quoted();
  #event = new Quoted();
  #light;

  /** @param {ParseMode} mode */
  constructor(mode) {
    this.#light = mode === "light";
  }

  /**
   * `{"room":…,"n":…,"t":…,"text":…}` (key "room") or `{"to":…,…}` (key "to").
   * @param {"room" | "to"} key
   * @param {string} name
   * @param {MessageBody} body
   */
  data(key, name, body) {
    if (!this.#light) return JSON.stringify({ [key]: name, ...body });
    return `{"${key}":${this.#name.of(name)},"n":${body.n},"t":${body.t},"text":${this.#text.of(body.text)}}`;
  }

  /**
   * `{"event":…,"target":…,"payload":{"n":…,"t":…,"text":…}}`: a declared event to a room.
   * @param {string} event
   * @param {string} room
   * @param {MessageBody} body
   */
  event(event, room, body) {
    if (!this.#light) return JSON.stringify({ event, target: room, payload: body });
    return `{"event":${this.#event.of(event)},"target":${this.#name.of(room)},"payload":{"n":${body.n},"t":${body.t},"text":${this.#text.of(body.text)}}}`;
  }
}
