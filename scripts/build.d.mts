/** Bundles the server into `outdir` (relative to the repository; default dist/). See build.mjs. */
export function bundle (outdir?: string): void
