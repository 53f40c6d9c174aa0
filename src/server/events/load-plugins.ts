import { pathToFileURL } from "node:url";
import type { Problem } from "./compile/problem.js";
import { isStepDefinition, type StepDefinition } from "./step-definition.js";

export interface LoadedPlugins {
  steps: Array<{ definition: StepDefinition; origin: string }>;
  problems: Problem[];
}

/**
 * Imports each plug-in (an ES module, by absolute path) and collects the actions and
 * modifiers it exports: every export that is a definition, or an array of them. A module is
 * imported once per path for the life of the process (Node caches modules): a reload picks up
 * new paths, but a changed file needs a restart.
 */
export async function loadPlugins(paths: readonly string[]): Promise<LoadedPlugins> {
  const loaded: LoadedPlugins = { steps: [], problems: [] };
  for (const [i, path] of paths.entries()) {
    const pointer = `/plugins/${i}`;
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      loaded.problems.push({
        pointer,
        message: `cannot load plug-in ${path}: ${(error as Error).message}`,
      });
      continue;
    }
    const found = Object.entries(module).flatMap(([name, value]) => {
      const values = Array.isArray(value) ? value : [value];
      return values
        .filter(isStepDefinition)
        .map((definition) => ({ definition, origin: `${path} (${name})` }));
    });
    if (found.length === 0) {
      loaded.problems.push({
        pointer,
        message: `plug-in ${path} exports no action or modifier (made with defineAction or defineModifier)`,
      });
    }
    loaded.steps.push(...found);
  }
  return loaded;
}
