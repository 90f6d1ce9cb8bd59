// skillwright runtime loader for hosts that run JavaScript in-process (OpenCode, Pi). Generated:
// do not edit. The context comes, in order of preference, from the bundled Node.js addon
// (in-process, no child process), from the bundled native binary (run once per process), or from
// the pre-rendered hooks/static/<host> file when neither fits this platform.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: this file lives in <root>/hooks/. */
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const ARCH = { x64: "x86_64", arm64: "aarch64" }[process.arch];
const TRIPLES = {
  linux: ["unknown-linux-gnu", "unknown-linux-musl"],
  darwin: ["apple-darwin"],
  win32: ["pc-windows-msvc"],
}[process.platform] ?? [];

const cache = new Map();
let addon;

/** The runtime addon for this platform, or null. Loaded once; never throws. */
function runtimeAddon() {
  if (addon !== undefined) return addon;
  addon = null;
  if (!ARCH) return addon;
  const require = createRequire(import.meta.url);
  for (const suffix of TRIPLES) {
    const file = join(ROOT, "bin", `${ARCH}-${suffix}`, "skillwright.node");
    if (!existsSync(file)) continue;
    try {
      const mod = require(file);
      if (typeof mod.sessionContext === "function") return (addon = mod);
    } catch {
      // wrong libc or a damaged file: try the next candidate
    }
  }
  return addon;
}

function fromAddon(host) {
  const mod = runtimeAddon();
  if (!mod) return "";
  try {
    return String(mod.sessionContext(host, ROOT)).trim();
  } catch {
    return "";
  }
}

function fromBinary(host) {
  if (!ARCH) return "";
  const exe = process.platform === "win32" ? "skillwright.exe" : "skillwright";
  for (const suffix of TRIPLES) {
    const bin = join(ROOT, "bin", `${ARCH}-${suffix}`, exe);
    if (!existsSync(bin)) continue;
    try {
      const out = execFileSync(bin, ["hook", "session-start", "--host", host, "--root", ROOT], {
        encoding: "utf8",
        timeout: 5000,
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
      if (out) return out;
    } catch {
      // fall through to the next candidate, then to the static context
    }
  }
  return "";
}

/**
 * The session context for `host` ("opencode", "pi"): from the addon, else the binary, else the
 * static file. Computed once per process; never throws.
 */
export function sessionContext(host) {
  if (process.env.SKILLWRIGHT_DISABLE === "1") return "";
  if (!cache.has(host)) cache.set(host, fromAddon(host) || fromBinary(host) || fromStatic(host));
  return cache.get(host);
}

/**
 * Runs the pack's hook `index` for `host` on `input` (what the host gave the event, as the
 * package's hook table describes it): the addon in-process, else the binary, else "allow".
 * Returns `{decision: "allow"}`, `{decision: "block", reason}` or `{decision: "context",
 * context}`. Never throws.
 */
export function runHook(host, index, input) {
  const json = JSON.stringify(input ?? {});
  const mod = runtimeAddon();
  if (mod && typeof mod.runHook === "function") {
    try {
      return mod.runHook(ROOT, host, index, json);
    } catch {
      // fall through to the binary
    }
  }
  if (ARCH) {
    const exe = process.platform === "win32" ? "skillwright.exe" : "skillwright";
    for (const suffix of TRIPLES) {
      const bin = join(ROOT, "bin", `${ARCH}-${suffix}`, exe);
      if (!existsSync(bin)) continue;
      try {
        const out = execFileSync(
          bin,
          ["hook", "run", "--host", host, "--index", String(index), "--root", ROOT, "--format", "decision"],
          { input: json, encoding: "utf8", timeout: 65000, stdio: ["pipe", "pipe", "ignore"] },
        );
        return JSON.parse(out);
      } catch {
        // the next candidate, then allow
      }
    }
  }
  return { decision: "allow" };
}

function fromStatic(host) {
  try {
    return readFileSync(join(ROOT, "hooks", "static", host), "utf8").trim();
  } catch {
    return "";
  }
}
