import { type ConfigFile, displayPath, isPlainObject, lineOf } from "./config-file.js";
import { escapeKey, pointerKeys } from "./json-pointer.js";

/** Who set a value: a preset, a file, an environment variable or a command-line flag. */
export type Origin =
  | { kind: "preset"; name: string }
  | { kind: "file"; file: ConfigFile }
  | { kind: "variable"; name: string }
  | { kind: "flag"; name: string };

/** Who wrote a pointer last, and whether it wrote the value whole or merged keys into it. */
interface Written {
  origin: Origin;
  /** A scalar or a list (replaced whole), rather than a mapping that later layers merge into. */
  whole: boolean;
}

/** The merged value plus, for every JSON pointer written, the layer that wrote it last. */
export class ConfigLayers {
  readonly value: Record<string, unknown> = {};
  private readonly written = new Map<string, Written>();

  constructor(private readonly cwd: string) {}

  /** Objects merge key by key; arrays and scalars replace. */
  apply(layer: Record<string, unknown>, origin: Origin): void {
    this.mergeInto(this.value, layer, "", origin);
  }

  set(keys: readonly string[], value: unknown, origin: Origin): void {
    const nested = keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
    if (isPlainObject(nested)) this.apply(nested, origin);
  }

  /**
   * The layer that set this pointer, or the one that set a whole value it lies inside (an item
   * of a list). A key no layer set is a default (undefined), whoever wrote its siblings: a
   * mapping that layers merged into says nothing about the keys they left out.
   */
  originOf(pointer: string): Origin | undefined {
    const own = this.written.get(pointer);
    if (own !== undefined) return own.origin;
    for (let p = parentOf(pointer); p !== undefined; p = parentOf(p)) {
      const parent = this.written.get(p);
      if (parent !== undefined) return parent.whole ? parent.origin : undefined;
    }
    return undefined;
  }

  /** "postoffice.yaml:3", "POSTOFFICE_PORT", "--port" or "the chat preset"; undefined for a default. */
  describe(pointer: string): string | undefined {
    const origin = this.originOf(pointer);
    if (origin === undefined) return undefined;
    switch (origin.kind) {
      case "preset":
        return `the ${origin.name} preset`;
      case "variable":
      case "flag":
        return origin.name;
      case "file": {
        const where = displayPath(origin.file.path, this.cwd);
        const line = lineOf(origin.file, pointerKeys(pointer));
        return line === undefined ? where : `${where}:${line}`;
      }
    }
  }

  private mergeInto(
    target: Record<string, unknown>,
    source: Record<string, unknown>,
    pointer: string,
    origin: Origin,
  ): void {
    for (const [key, value] of Object.entries(source)) {
      const child = `${pointer}/${escapeKey(key)}`;
      this.written.set(child, { origin, whole: !isPlainObject(value) });
      if (!isPlainObject(value)) {
        setOwn(target, key, value);
        continue;
      }
      // hasOwn: a key named __proto__ must stay data (and be reported unknown), never a prototype.
      const existing = Object.hasOwn(target, key) ? target[key] : undefined;
      const into = isPlainObject(existing) ? existing : {};
      setOwn(target, key, into);
      this.mergeInto(into, value, child, origin);
    }
  }
}

function parentOf(pointer: string): string | undefined {
  return pointer === "" ? undefined : pointer.slice(0, pointer.lastIndexOf("/"));
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
