#!/usr/bin/env node
// `npm start`'s prestart: builds only when the inputs changed since the last build (their
// signature differs from the one dist/build-info.json recorded) or there is no complete build,
// so an unchanged checkout starts at once. `npm run build` always builds.
import { upToDate } from "./build-inputs.mjs";

if (!(await upToDate())) {
  process.stderr.write("postoffice: dist/ is missing or older than the sources: building…\n");
  // Loaded only now: the compiler and the bundler are not needed to find out there is nothing to do.
  const { build } = await import("./build.mjs");
  await build().catch((error) => {
    console.error(`build: ${error.message}`);
    process.exit(1);
  });
}
