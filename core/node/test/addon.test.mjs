// The Node.js addon and the generated OpenCode plugin, loaded by the machine's Node.js.
//
// Needs a built OpenCode package (`cargo xtask build-plugins`); set SKILLWRIGHT_OPENCODE_PACKAGE
// to use another one than target/plugins/opencode. Run: node --test core/node/test/
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const PKG = resolve(process.env.SKILLWRIGHT_OPENCODE_PACKAGE ?? join(REPO, "target/plugins/opencode"));
const TRIPLE = readdirSync(join(PKG, "bin")).find((t) => existsSync(join(PKG, "bin", t, "skillwright.node")));
assert.ok(TRIPLE, `no bin/<triple>/skillwright.node in ${PKG}: run cargo xtask build-plugins first`);
const ADDON_PATH = join(PKG, "bin", TRIPLE, "skillwright.node");
const addon = createRequire(import.meta.url)(ADDON_PATH);
const SKILLS = readdirSync(join(PKG, "skills")).sort();

// Isolated state for the store and metrics.
process.env.SKILLWRIGHT_HOME = mkdtempSync(join(tmpdir(), "sw-node-home-"));

/** Expects `fn` to throw an Error whose message starts with `prefix`. */
function throwsWith(fn, prefix) {
  assert.throws(fn, (e) => e instanceof Error && e.message.startsWith(prefix), `expected ${prefix}`);
}

function copyPackage() {
  const dir = mkdtempSync(join(tmpdir(), "sw-node-pkg-"));
  cpSync(PKG, dir, { recursive: true });
  return dir;
}

test("exports every runtime function and nothing else", () => {
  assert.deepEqual(
    Object.keys(addon).sort(),
    ["feedback", "listSkills", "recordMetric", "runHook", "searchSkills", "sessionContext", "showSkill", "store", "validate", "verify"],
  );
  assert.deepEqual(Object.keys(addon.store).sort(), ["append", "delete", "get", "incr", "list", "search", "set"]);
});

test("sessionContext gives the package's host its payload", () => {
  const text = addon.sessionContext("opencode", PKG);
  for (const name of SKILLS.slice(0, 3)) assert.ok(text.includes(name), `${name} in context`);
  assert.ok(Buffer.byteLength(text) <= 2048, "context within its 2 KB budget");
  const shape = JSON.parse(readFileSync(join(PKG, "hooks", "context.json"), "utf8")).payloads;
  assert.deepEqual(Object.keys(shape), ["opencode"], "an OpenCode package serves OpenCode only");
  // A resumed session already has it; an opt-out gives the empty payload.
  assert.equal(addon.sessionContext("opencode", PKG, "resume"), "");
  process.env.SKILLWRIGHT_DISABLE = "1";
  try {
    assert.equal(addon.sessionContext("opencode", PKG), "");
  } finally {
    delete process.env.SKILLWRIGHT_DISABLE;
  }
});

test("sessionContext refuses a missing package and a host the package does not serve", () => {
  throwsWith(() => addon.sessionContext("opencode", "/nonexistent/package"), "NOT_FOUND:");
  for (const host of ["claude", "", "../../etc", "'; rm -rf / #", "\u0000", "x".repeat(100000)]) {
    throwsWith(() => addon.sessionContext(host, PKG), "INVALID_ARG:");
  }
  assert.throws(() => addon.sessionContext("claude", PKG), /serves: opencode/);
});

test("listSkills, showSkill and searchSkills read the package", () => {
  const list = addon.listSkills(PKG);
  assert.deepEqual(list.map((s) => s.name), SKILLS);
  assert.ok(list.every((s) => typeof s.description === "string" && s.description.length > 0));
  const md = addon.showSkill(PKG, SKILLS[0]);
  assert.equal(md, readFileSync(join(PKG, "skills", SKILLS[0], "SKILL.md"), "utf8"));
  // Searching with a skill's own description finds that skill first.
  const target = list[list.length - 1];
  const hits = addon.searchSkills(PKG, target.description, 3);
  assert.ok(hits.length >= 1 && hits.length <= 3);
  assert.equal(hits[0].name, target.name);
  assert.ok(hits[0].score > 0);
  assert.deepEqual(addon.searchSkills(PKG, "\u0000\u0001 </script> ${x} $(y)"), []);
  assert.ok(Array.isArray(addon.searchSkills(PKG, "word ".repeat(200000))));
});

test("skill functions reject missing roots and unknown skills with a coded error", () => {
  throwsWith(() => addon.listSkills("/nonexistent/package"), "NOT_FOUND:");
  throwsWith(() => addon.listSkills(""), "INVALID_ARG:");
  throwsWith(() => addon.showSkill(PKG, "no-such-skill"), "NOT_FOUND:");
  throwsWith(() => addon.showSkill(PKG, "../../integrity.json"), "NOT_FOUND:");
});

test("wrong argument types throw instead of crashing", () => {
  for (const bad of [42, undefined, null, {}, [], Symbol("s"), () => 1]) {
    assert.throws(() => addon.listSkills(bad), Error);
    assert.throws(() => addon.sessionContext(bad, PKG), Error);
    assert.throws(() => addon.store.get(bad), Error);
  }
  assert.throws(() => addon.store.incr("n", "one"), Error);
  throwsWith(() => addon.searchSkills(PKG, "x", -1), "INVALID_ARG:");
  assert.deepEqual(addon.searchSkills(PKG, SKILLS[0], 0), []);
});

test("store get/set/incr/append/list/delete", () => {
  assert.equal(addon.store.get("node/none"), null);
  addon.store.set("node/a", "hello \u0000 </script> ${x}");
  assert.equal(addon.store.get("node/a"), "hello \u0000 </script> ${x}");
  assert.equal(addon.store.incr("node/n"), 1);
  assert.equal(addon.store.incr("node/n", 41), 42);
  assert.equal(addon.store.incr("node/n", -2), 40);
  addon.store.append("node/log", "one");
  addon.store.append("node/log", "two");
  assert.equal(addon.store.get("node/log"), "one\ntwo\n");
  assert.deepEqual(addon.store.list("node/"), ["node/a", "node/log", "node/n"]);
  assert.equal(addon.store.delete("node/a"), true);
  assert.equal(addon.store.delete("node/a"), false);
  throwsWith(() => addon.store.incr("node/log"), "INVALID_ARG:");
  for (const key of ["../escape", "/abs", "a//b", "", "a/./b", "x".repeat(5000)]) {
    throwsWith(() => addon.store.set(key, "v"), "INVALID_ARG:");
  }
});

test("store.search finds a stored hypothesis by words from its error", () => {
  addon.store.set("search/e0502-borrow", "error[E0502]: cannot borrow `cache` as mutable: collect the keys first");
  addon.store.set("search/econnrefused", "connect ECONNREFUSED 127.0.0.1:5432: start the database container");
  addon.store.set("other/borrow", "cannot borrow twice");
  const hits = addon.store.search("cannot borrow cache as mutable", "search/");
  assert.equal(hits[0].key, "search/e0502-borrow");
  assert.match(hits[0].value, /collect the keys first/);
  assert.match(hits[0].ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(typeof hits[0].project, "string", "the project it was written from");
  assert.ok(hits[0].score > 0);
  assert.ok(hits.every((h) => h.key.startsWith("search/")), "the prefix limits the search");
  assert.equal(addon.store.search("borrow").length, 2, "no prefix: every key");
  assert.equal(addon.store.search("borrow", undefined, 1).length, 1);
  assert.deepEqual(addon.store.search("nothing like this is stored"), []);
  throwsWith(() => addon.store.search("borrow", "", -1), "INVALID_ARG:");
});

test("runHook runs the pack's skill-usage hook: a skill loaded by name counts as used", () => {
  const skill = SKILLS[SKILLS.length - 1];
  const before = addon.feedback(skill)[0]?.uses ?? 0;
  const input = JSON.stringify({ tool: "skill", args: { name: skill } });
  assert.deepEqual(addon.runHook(PKG, "opencode", 0, input), { decision: "allow" });
  assert.equal(addon.feedback(skill)[0].uses, before + 1);
  // A tool call that reads no skill, an unknown hook and input that is not JSON all allow.
  assert.deepEqual(addon.runHook(PKG, "opencode", 0, JSON.stringify({ tool: "bash", args: { command: "ls" } })), { decision: "allow" });
  assert.deepEqual(addon.runHook(PKG, "opencode", 99, input), { decision: "allow" });
  assert.deepEqual(addon.runHook(PKG, "opencode", 0, "not json"), { decision: "allow" });
  assert.equal(addon.feedback(skill)[0].uses, before + 1);
});

test("recordMetric and feedback", () => {
  const skill = SKILLS[0];
  const run = addon.recordMetric(PKG, skill, "success", 1.5, "fine\nreally");
  assert.equal(run.skill, skill);
  assert.equal(run.outcome, "success");
  assert.ok(!run.notes.includes("\n"), "control characters are flattened");
  addon.recordMetric(PKG, skill, "failure");
  addon.recordMetric(PKG, skill, "success");
  addon.recordMetric(PKG, skill, "used");
  const fb = addon.feedback(skill);
  assert.equal(fb.length, 1);
  assert.equal(fb[0].runs, 3);
  assert.equal(fb[0].uses, 1);
  assert.ok(Math.abs(fb[0].rate - 2 / 3) < 1e-9);
  throwsWith(() => addon.recordMetric(PKG, skill, "meh"), "INVALID_ARG:");
  throwsWith(() => addon.recordMetric(PKG, "not-in-this-pack", "success"), "NOT_FOUND:");
  throwsWith(() => addon.recordMetric(PKG, skill, "success", -1), "INVALID_ARG:");
  throwsWith(() => addon.recordMetric(PKG, skill, "success", NaN), "INVALID_ARG:");
  throwsWith(() => addon.recordMetric(PKG, skill, "success", 1, "", { undeclared_metric: 1 }), "INVALID_ARG:");
  // A metric the skill declares is recorded and aggregated.
  const declaring = addon.listSkills(PKG).find((s) => s.name === "systematic-debugging").name;
  for (const n of [1, 2, 3]) {
    addon.recordMetric(PKG, declaring, "success", 60, "", { "hypotheses-tested": n, bisected: "no" });
  }
  const m = addon.feedback(declaring)[0].metrics;
  assert.deepEqual(
    [m["hypotheses-tested"].count, m["hypotheses-tested"].numbers.mean, m["hypotheses-tested"].numbers.median],
    [3, 2, 2],
  );
  assert.deepEqual(m.bisected.texts, [["no", 3]]);
});

test("verify reports an intact package and a tampered copy", () => {
  const ok = addon.verify(PKG);
  assert.ok(["unsigned", "unpinned"].includes(ok.verdict.verdict), JSON.stringify(ok.verdict));
  assert.deepEqual(ok.findings, []);
  assert.equal(ok.host, "opencode");
  const copy = copyPackage();
  try {
    writeFileSync(join(copy, "skills", SKILLS[0], "SKILL.md"), "tampered\n");
    const bad = addon.verify(copy);
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.findings, [{ kind: "changed", path: `skills/${SKILLS[0]}/SKILL.md` }]);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  throwsWith(() => addon.verify("/nonexistent/package"), "INTEGRITY:");
});

test("validate returns diagnostics with rule codes", () => {
  const diags = addon.validate(join(REPO, "tests/fixtures/err/unknown-key"));
  assert.ok(diags.length >= 1);
  assert.match(diags[0].code, /^SW\d{3}$/);
  assert.ok(diags[0].line >= 1 && diags[0].col >= 1);
  assert.deepEqual(addon.validate(join(REPO, "skills")).filter((d) => d.severity === "error"), []);
  throwsWith(() => addon.validate("/nonexistent/skills"), "NOT_FOUND:");
});

/** Loads a fresh instance of a package's plugin module and runs its hooks as OpenCode would. */
async function runPlugin(dir) {
  const mod = await import(`${pathToFileURL(join(dir, "plugin.js")).href}?v=${Math.random()}`);
  const exported = Object.entries(mod);
  assert.equal(exported.length, 1, "OpenCode calls every export as a plugin: only the plugin is exported");
  const hooks = await exported[0][1]({});
  const config = {};
  await hooks.config(config);
  const output = { system: [] };
  await hooks["experimental.chat.system.transform"]({}, output);
  return { config, system: output.system };
}

test("the OpenCode plugin registers the skills and adds the context in-process", async () => {
  const { config, system } = await runPlugin(PKG);
  assert.deepEqual(config.skills.paths, [join(PKG, "skills")]);
  assert.equal(system.length, 1);
  assert.equal(system[0], addon.sessionContext("opencode", PKG).trim());
});

test("the plugin prefers the addon, then the binary, then the static context", async () => {
  // A skill whose recent runs fail makes the runtime (addon or binary) add a note from local
  // metrics; the static file cannot, so the note tells which path produced the context. Each case
  // gets its own copy: the loader caches the context per process and Node caches a loaded addon
  // by path.
  const declining = SKILLS[1];
  for (const outcome of [...Array(8).fill("success"), ...Array(5).fill("failure")]) {
    addon.recordMetric(PKG, declining, outcome);
  }
  const cases = [
    { remove: ["skillwright"], live: true, why: "addon alone gives the live context" },
    { remove: ["skillwright.node"], live: true, why: "binary alone gives the live context" },
    { remove: ["skillwright", "skillwright.node"], live: false, why: "neither: the static file" },
  ];
  for (const c of cases) {
    const copy = copyPackage();
    try {
      for (const f of c.remove) rmSync(join(copy, "bin", TRIPLE, f));
      const { system } = await runPlugin(copy);
      if (c.live) assert.match(system[0], new RegExp(`recent runs of ${declining}`), c.why);
      else assert.equal(system[0], readFileSync(join(copy, "hooks/static/opencode"), "utf8").trim(), c.why);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
});

test("a damaged addon is skipped, not fatal", async () => {
  // A fresh copy: Node caches a loaded addon by path, so reuse would hide the damage.
  const copy = copyPackage();
  try {
    writeFileSync(join(copy, "bin", TRIPLE, "skillwright.node"), "not a shared object");
    const { system } = await runPlugin(copy);
    assert.equal(system[0], addon.sessionContext("opencode", copy).trim(), "the binary takes over");
    const fixed = readFileSync(join(copy, "hooks/static/opencode"), "utf8").trim();
    assert.notEqual(system[0], fixed, "a live context (it names the runtime), not the static file");
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
