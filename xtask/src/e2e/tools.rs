//! Sessions in which the model calls a tool, one flow for every host the table drives (see
//! [`Drive`]): the pack's MCP server answers a `metrics_record` call and the record is in the
//! store; reading a skill leaves a `used` record (the pack's skill-usage hook); a pack's guard
//! blocks a shell command, the model is told why and the command does not run.

use super::fake_model::Act;
use super::hosts::{Drive, SkillRead};
use super::package::Pack;
use super::process::{Output, exec};
use super::report::{Check, Failure, Report, expect, fail, truncate};
use super::space::Space;
use super::{GUARD_MARKER, GUARD_REASON, QUICK};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The MCP server of the flagship pack and the tool the model calls.
const MCP_SERVER: &str = "skillwright";
const MCP_TOOL: &str = "metrics_record";

/// A skill of the pack for the sessions to use: the debugging one when there is one.
fn a_skill(pack: &Pack) -> &str {
    pack.skills.iter().find(|s| s.as_str() == "systematic-debugging").unwrap_or(&pack.skills[0])
}

/// `{pack}`, `{server}`, `{tool}` and `{skill}` filled in.
fn fill(template: &str, pack: &Pack, skill: &str) -> String {
    template
        .replace("{pack}", &pack.name)
        .replace("{server}", MCP_SERVER)
        .replace("{tool}", MCP_TOOL)
        .replace("{skill}", skill)
}

/// The records after the fake model's tool call: the call, and the model requests that followed.
fn after_call<'r>(out: &Output, records: &'r [Value]) -> Result<(&'r Value, Vec<&'r Value>), Failure> {
    let at = records.iter().position(|r| r.get("fake_tool_call").is_some()).ok_or_else(|| {
        let seen: Vec<String> = records
            .iter()
            .filter(|r| r["method"] == "POST")
            .map(|r| format!("{} {}", r["method"], r["path"].as_str().unwrap_or_default()))
            .collect();
        out.with_tail(fail(format!("the fake model was never offered the tool (requests: {seen:?})")))
    })?;
    let next: Vec<&Value> = records[at + 1..].iter().filter(|r| r["method"] == "POST").collect();
    Ok((&records[at]["fake_tool_call"], next))
}

/// Whether some request after the call carries `text` (in the tool's result, as the host put it).
fn told(next: &[&Value], text: &str) -> bool {
    next.iter().any(|r| r["body"].to_string().contains(text))
}

/// The bundled `skillwright` of a package (`bin/<triple>/skillwright`).
fn bundled(root: &Path) -> Result<PathBuf, Failure> {
    walkdir::WalkDir::new(root.join("bin"))
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == "skillwright" && e.file_type().is_file())
        .map(|e| e.into_path())
        .ok_or_else(|| fail(format!("no bundled binary under {}", root.join("bin").display())))
}

/// `skillwright feedback --format json --skill SKILL` in the space (its HOME holds the store): the
/// skill's entry.
fn feedback(space: &Space, pack: &Pack, skill: &str, label: &str) -> Result<Value, Failure> {
    let exe = bundled(&pack.root)?;
    let mut cmd = space.command(&exe.display().to_string());
    cmd.args(["feedback", "--format", "json", "--skill", skill]);
    let out = exec(cmd, QUICK, &space.log(label), None);
    let v = out.json()?;
    v.as_array()
        .into_iter()
        .flatten()
        .find(|f| f["skill"] == skill)
        .cloned()
        .ok_or_else(|| out.with_tail(fail(format!("feedback has no entry for {skill}"))))
}

/// The MCP round trip, where `drive` asks for it.
pub(super) fn check(space: &Space, pack: &Pack, drive: &Drive, report: &mut Report) {
    if let Some(tool) = drive.mcp_tool {
        let what = format!("MCP round trip: the model calls {MCP_SERVER}'s {MCP_TOOL}");
        report.record(&space.label, &what, mcp(space, pack, drive, tool));
    }
}

/// The skill-usage session, where `drive` asks for it (the host runs the package's hooks).
pub(super) fn check_hooks(space: &Space, pack: &Pack, drive: &Drive, report: &mut Report) {
    if let Some(read) = &drive.read_skill {
        let what = "skill usage: reading a skill leaves a `used` record";
        report.record(&space.label, what, skill_usage(space, pack, drive, read));
    }
}

fn mcp(space: &Space, pack: &Pack, drive: &Drive, tool: &str) -> Check {
    let skill = a_skill(pack);
    let tool = fill(tool, pack, skill);
    let note = format!("e2e-mcp-{}", space.key());
    let act = Act::Tool {
        name: tool.clone(),
        args: json!({"skill": skill, "outcome": "success", "notes": note, "duration_s": 1}),
    };
    let cmd = (drive.session)(space, "Record that the skill worked.", &tool);
    let (out, records) = space.session_acting("mcp", cmd, Some(act));
    let (call, next) = after_call(&out, &records)?;
    // The server answers with the run it recorded, notes and all.
    expect(told(&next, &note), || {
        format!("no request after the {} call carries its result (the notes {note:?})", call["name"])
    })
    .map_err(|f| out.with_tail(f))?;
    let entry = feedback(space, pack, skill, "mcp-feedback")?;
    expect(entry["runs"].as_u64().unwrap_or(0) >= 1 && entry["rate"] == 1.0, || {
        format!("feedback for {skill}: {}", truncate(&entry.to_string(), 200))
    })?;
    let notes = space.home.join(".skillwright/metrics");
    let recorded = walkdir::WalkDir::new(&notes)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(&note)));
    expect(recorded, || format!("no run with notes {note:?} in {}", notes.display()))?;
    Ok(format!(
        "{} called, result back to the model; feedback: {skill} {} run(s), rate 100%",
        call["name"], entry["runs"]
    ))
}

fn skill_usage(space: &Space, pack: &Pack, drive: &Drive, read: &SkillRead) -> Check {
    let skill = a_skill(pack);
    let before =
        feedback(space, pack, skill, "usage-before").map(|e| e["uses"].as_u64().unwrap_or(0)).unwrap_or(0);
    let (act, tool) = match read {
        SkillRead::File(tool) => {
            let path = pack.root.join("skills").join(skill).join("SKILL.md");
            (Act::Read(path.display().to_string()), tool.to_string())
        }
        SkillRead::Tool { name, args } => {
            let args: Value =
                serde_json::from_str(&fill(args, pack, skill)).map_err(|e| fail(e.to_string()))?;
            (Act::Tool { name: name.to_string(), args }, name.to_string())
        }
    };
    let cmd = (drive.session)(space, "Read the debugging skill.", &tool);
    let (out, records) = space.session_acting("skill-usage", cmd, Some(act));
    let (call, next) = after_call(&out, &records)?;
    expect(!next.is_empty(), || format!("no request after the {} call", call["name"]))
        .map_err(|f| out.with_tail(f))?;
    let entry = feedback(space, pack, skill, "usage-after")?;
    let uses = entry["uses"].as_u64().unwrap_or(0);
    expect(uses > before, || format!("{skill}: {uses} use(s) recorded, {before} before the session"))
        .map_err(|f| out.with_tail(f))?;
    Ok(format!(
        "{} {}; feedback: {skill} {uses} use(s)",
        call["name"],
        truncate(&call["args"].to_string(), 80)
    ))
}

/// The guard session: the model asks for `touch <marker>` in the project; the guard pack (installed
/// beside the flagship) must block it, and the model must be told why.
pub(super) fn guard(space: &Space, drive: &Drive, shell: &str) -> Check {
    let marker = space.project.join(GUARD_MARKER);
    let _ = std::fs::remove_file(&marker);
    let act = Act::Shell(format!("touch {}", marker.display()));
    let cmd = (drive.session)(space, "Create the marker file.", shell);
    let (out, records) = space.session_acting("guard", cmd, Some(act));
    let (call, next) = after_call(&out, &records)?;
    expect(!marker.exists(), || format!("the command ran: {} exists", marker.display()))
        .map_err(|f| out.with_tail(f))?;
    expect(!next.is_empty(), || format!("no request after the {} call", call["name"]))
        .map_err(|f| out.with_tail(f))?;
    expect(told(&next, GUARD_REASON), || {
        format!("the request after the {} call lacks the guard's reason {GUARD_REASON:?}", call["name"])
    })
    .map_err(|f| out.with_tail(f))?;
    Ok(format!("{} blocked, reason in the next request, {GUARD_MARKER} absent", call["name"]))
}
