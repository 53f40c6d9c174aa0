import type { Config } from "./config.js";

/** Any part of `T`, at any depth; lists stay whole, as a layer replaces a list whole. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type PresetName = Config["preset"];

/**
 * What each `preset` sets. The loader applies a preset over the schema defaults and under every
 * source the operator controls (files, variables, flags), so any key set there still wins.
 * docs/configuration.md ("Presets") lists these values.
 */
export const presets: { readonly [Name in PresetName]: DeepPartial<Config> } = {
  none: {},
  /**
   * The Broadcast Server: one chat room everyone is in, names from `?username=` made unique,
   * text clients, short lines, a few per second. Anonymous by design, so it binds loopback
   * unless told otherwise (auth.anonymous.allowNonLoopback).
   */
  chat: {
    server: { host: "127.0.0.1" },
    auth: { anonymous: { enabled: true } },
    chat: { enabled: true },
    limits: {
      maxFrameBytes: 512,
      maxStringLength: 500,
      rate: { message: { perSecond: 5, burst: 5 } },
    },
  },
};

/** Whether `name` is a preset; an unknown name is left for the schema to refuse. */
export function isPresetName(name: unknown): name is PresetName {
  return typeof name === "string" && Object.hasOwn(presets, name);
}
