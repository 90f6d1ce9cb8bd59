//! Kimi Code: install through its local server (`kimi web`, REST), then `kimi -p`.

use crate::e2e::checks::{Listed, names, replied_with_context, role_at, same_skills};
use crate::e2e::fake_model::{free_port, http_json};
use crate::e2e::package::Pack;
use crate::e2e::package::read_json;
use crate::e2e::process::{kill_tree, read_lossy, spawn};
use crate::e2e::report::{Failure, Report, expect, fail, tail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK};
use crate::files::write_in;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Where the check keeps the answer to the install request (what `components` reads).
fn answer_file(space: &Space) -> PathBuf {
    space.log("install-answer").with_extension("json")
}

/// Commands and MCP servers from the answer to the install request; Kimi lists its agents only
/// to the model.
pub(super) fn components(space: &Space, pack: &Pack) -> Result<Listed, Failure> {
    let answer = read_json(&answer_file(space)).map_err(fail)?;
    let d = &answer["data"];
    let prefix = format!("{}:", pack.name);
    Ok(Listed {
        commands: Some(names(&d["manifest"]["commands"], &prefix)),
        agents: None,
        mcp: Some(names(&d["mcpServers"], "")),
    })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    let kimi_home = space.home.join(".kimi-code");
    space.env = vec![("KIMI_CODE_HOME".into(), kimi_home.display().to_string())];
    let config = format!(
        "default_model = \"fake\"\n\n[providers.fake]\ntype = \"openai\"\nbase_url = \"{}/v1\"\n\
         api_key = \"dummy\"\n\n[models.fake]\nprovider = \"fake\"\nmodel = \"fake-model\"\n\
         max_context_size = 128000\n",
        space.model_url()
    );
    if let Err(e) = write_in(&kimi_home, "config.toml", config) {
        return report.record(&host, "config.toml", Err(fail(e.to_string())));
    }
    // Kimi discards hook output, so the context is the static system-prompt file the manifest
    // names (systemPromptPath).
    let static_prompt = fs::read_to_string(pack.root.join("hooks/static/kimi")).unwrap_or_default();

    match KimiWeb::start(space) {
        Err(failure) => report.record(&host, "kimi web starts", Err(failure)),
        Ok(web) => {
            report.record(&host, "kimi web: POST /api/v1/plugins installs the plugin", {
                (|| {
                    let answer =
                        web.call("POST", "/api/v1/plugins", Some(&json!({"source": space.package_str()})))?;
                    let _ = fs::write(answer_file(space), format!("{answer:#}"));
                    let d = &answer["data"];
                    expect(d["id"] == pack.name.as_str(), || format!("id {}", d["id"]))?;
                    expect(d["version"] == pack.version.as_str(), || format!("version {}", d["version"]))?;
                    expect(d["state"] == "ok" && d["hasErrors"] == false, || {
                        format!("state {}, hasErrors {}", d["state"], d["hasErrors"])
                    })?;
                    let diagnostics = d["diagnostics"].as_array().cloned().unwrap_or_default();
                    expect(diagnostics.is_empty(), || {
                        format!(
                            "diagnostics: {}",
                            truncate(&Value::Array(diagnostics.clone()).to_string(), 300)
                        )
                    })?;
                    expect(d["skillCount"] == pack.skills.len(), || {
                        format!("skillCount {} (the package has {})", d["skillCount"], pack.skills.len())
                    })?;
                    let prompt = d["manifest"]["systemPrompt"].as_str().unwrap_or_default();
                    expect(!prompt.is_empty() && prompt.trim() == static_prompt.trim(), || {
                        format!("manifest.systemPrompt is not hooks/static/kimi: {}", truncate(prompt, 80))
                    })?;
                    Ok(format!(
                        "state ok, {} skills, no diagnostics, systemPrompt from {}",
                        d["skillCount"],
                        d["manifestKind"].as_str().unwrap_or("?")
                    ))
                })()
            });

            let session = web
                .call(
                    "POST",
                    "/api/v1/sessions",
                    Some(&json!({"metadata": {"cwd": space.project.display().to_string()}})),
                )
                .and_then(|v| {
                    v["data"]["id"]
                        .as_str()
                        .map(String::from)
                        .ok_or_else(|| fail(format!("no session id: {v}")))
                });

            report.record(&host, "kimi web: a new session lists every skill", {
                (|| {
                    let id = session.as_ref().map_err(Failure::clone)?;
                    let answer = web.call("GET", &format!("/api/v1/sessions/{id}/skills"), None)?;
                    let managed = format!("/plugins/managed/{}/skills/", pack.name);
                    let seen: BTreeSet<String> = answer["data"]["skills"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|s| s["path"].as_str().is_some_and(|p| p.contains(&managed)))
                        .filter_map(|s| s["name"].as_str().map(String::from))
                        .collect();
                    same_skills(&pack.skills, &seen)?;
                    Ok(format!("{} skills from …{managed}", seen.len()))
                })()
            });

            report.record(&host, "kimi web: the session has no warnings", {
                (|| {
                    let id = session.as_ref().map_err(Failure::clone)?;
                    let answer = web.call("GET", &format!("/api/v1/sessions/{id}/warnings"), None)?;
                    let warnings = answer["data"]["warnings"].as_array().cloned().unwrap_or_default();
                    expect(warnings.is_empty(), || {
                        format!("warnings: {}", truncate(&Value::Array(warnings.clone()).to_string(), 300))
                    })?;
                    Ok(String::new())
                })()
            });
        }
    }

    report.record(&host, "kimi -p: session context in /v1/chat/completions", {
        let (out, requests) =
            space.session("print", space.command_with("kimi", &["-p", PROMPT, "-m", "fake"]));
        let from = format!("<!-- From: plugin {} -->", pack.name);
        replied_with_context(
            &out,
            &requests,
            "/chat/completions",
            &pack.context,
            "in the system message, after the plugin's marker",
            |b, p, s| role_at(b, p) == Some("system") && s.contains(&format!("{from}\n{}", pack.context)),
        )
    });
}

/// A running `kimi web --dangerous-bypass-auth` on a free local port; killed when dropped.
struct KimiWeb {
    child: Child,
    port: u16,
    err_log: PathBuf,
}

impl KimiWeb {
    fn start(space: &Space) -> Result<KimiWeb, Failure> {
        let port = free_port().map_err(|e| fail(format!("no free port: {e}")))?;
        let log = space.log("web");
        let err_log = log.with_extension("err");
        let files = fs::File::create(log.with_extension("out"))
            .and_then(|out| Ok((out, fs::File::create(&err_log)?)));
        let (out, err) = files.map_err(|e| fail(format!("{}: {e}", log.display())))?;
        let mut cmd = space.command_with(
            "kimi",
            &["web", "--no-open", "--port", &port.to_string(), "--dangerous-bypass-auth"],
        );
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = spawn(&mut cmd).map_err(|e| fail(format!("cannot run kimi web: {e}")))?;
        let mut web = KimiWeb { child, port, err_log };
        let deadline = Instant::now() + QUICK;
        loop {
            if web.call("GET", "/api/v1/meta", None).is_ok() {
                return Ok(web);
            }
            if let Ok(Some(status)) = web.child.try_wait() {
                return Err(Failure { reason: format!("kimi web exited ({status})"), tail: web.tail() });
            }
            if Instant::now() >= deadline {
                return Err(Failure {
                    reason: format!("kimi web did not answer within {} s", QUICK.as_secs()),
                    tail: web.tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn tail(&self) -> String {
        tail(&read_lossy(&self.err_log), 12)
    }

    /// One REST call; its answer must be `{"code": 0, …}`.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        let answer = http_json(self.port, method, path, body).map_err(fail)?;
        expect(answer["code"] == 0, || format!("{method} {path}: {}", truncate(&answer.to_string(), 300)))?;
        Ok(answer)
    }
}

impl Drop for KimiWeb {
    fn drop(&mut self) {
        kill_tree(&mut self.child);
    }
}
