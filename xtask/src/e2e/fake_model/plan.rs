//! What the fake model asks for: one tool call, picked from the tools the request itself declares,
//! in a conversation that holds no tool result yet. Later turns get the plain reply.

use serde_json::{Value, json};

/// A tool call the fake model makes once per conversation, in place of its first answer.
#[derive(Clone, Debug)]
pub(in crate::e2e) enum Act {
    /// Run this command with the host's shell tool.
    Shell(String),
    /// Read this file with the host's read tool (a host with none: its shell tool, `cat PATH`).
    Read(String),
    /// Call the tool named `name` (an MCP tool, a skill tool), with `args`.
    Tool { name: String, args: Value },
}

/// The model APIs the hosts speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Api {
    Anthropic,
    Responses,
    Chat,
    Gemini,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::Anthropic => "anthropic",
            Api::Responses => "responses",
            Api::Chat => "chat",
            Api::Gemini => "gemini",
        }
    }
}

/// The call to answer with.
#[derive(Debug, PartialEq)]
pub(super) struct Call {
    pub name: String,
    pub args: Value,
    /// The namespace of a namespaced Responses tool (Codex's MCP tools: `mcp__<server>`).
    pub namespace: Option<String>,
}

/// Shell and read tools, in order of preference; the first the request declares is used.
const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "bash",
    "exec_command",
    "shell",
    "shell_command",
    "local_shell",
    "run_shell_command",
    "Execute",
    "Shell",
    "run_command",
    "run_terminal_cmd",
];
const READ_TOOLS: &[&str] = &["Read", "read", "read_file", "view", "ReadFile", "view_file"];
/// The argument that holds the command, or the path, in a tool's schema: the first one present.
const COMMAND_KEYS: &[&str] = &["command", "cmd", "commandLine", "script"];
const PATH_KEYS: &[&str] = &["file_path", "filePath", "absolute_path", "path", "file", "filename"];

/// A tool a request declares: its name, the JSON schema of its arguments, its namespace.
struct Declared {
    name: String,
    schema: Value,
    namespace: Option<String>,
}

fn declared(api: Api, body: &Value) -> Vec<Declared> {
    let mut out = Vec::new();
    let tool = |name: &Value, schema: &Value, namespace: Option<&str>| {
        name.as_str().map(|name| Declared {
            name: name.to_string(),
            schema: schema.clone(),
            namespace: namespace.map(String::from),
        })
    };
    for t in body["tools"].as_array().into_iter().flatten() {
        match api {
            Api::Gemini => {
                let decls = t.get("functionDeclarations").or_else(|| t.get("function_declarations"));
                for d in decls.and_then(Value::as_array).into_iter().flatten() {
                    let schema = d.get("parametersJsonSchema").or_else(|| d.get("parameters"));
                    out.extend(tool(&d["name"], schema.unwrap_or(&Value::Null), None));
                }
            }
            Api::Chat => out.extend(tool(&t["function"]["name"], &t["function"]["parameters"], None)),
            Api::Anthropic => out.extend(tool(&t["name"], &t["input_schema"], None)),
            Api::Responses => {
                if t["type"] == "local_shell" {
                    out.extend(tool(&json!("local_shell"), &Value::Null, None));
                } else if t["type"] == "namespace" {
                    for sub in t["tools"].as_array().into_iter().flatten() {
                        out.extend(tool(&sub["name"], &sub["parameters"], t["name"].as_str()));
                    }
                } else {
                    out.extend(tool(&t["name"], &t["parameters"], None));
                }
            }
        }
    }
    out
}

/// Whether the conversation already holds the result of a tool call.
pub(super) fn has_tool_result(api: Api, body: &Value) -> bool {
    let list = |key: &str| body[key].as_array().cloned().unwrap_or_default();
    match api {
        Api::Anthropic => list("messages")
            .iter()
            .any(|m| m["content"].as_array().is_some_and(|c| c.iter().any(|b| b["type"] == "tool_result"))),
        Api::Responses => list("input").iter().any(|i| {
            ["function_call_output", "custom_tool_call_output", "local_shell_call_output"]
                .iter()
                .any(|t| i["type"] == *t)
        }),
        Api::Chat => list("messages").iter().any(|m| m["role"] == "tool"),
        Api::Gemini => list("contents").iter().any(|c| {
            c["parts"].as_array().is_some_and(|parts| {
                parts
                    .iter()
                    .any(|p| p.get("functionResponse").or_else(|| p.get("function_response")).is_some())
            })
        }),
    }
}

/// A small value that a JSON schema accepts.
pub(super) fn small_value(schema: &Value) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(default) = schema.get("default") {
        return default.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => {
            kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("string")
        }
        Value::String(kind) => kind.as_str(),
        _ => "string",
    };
    match kind.to_ascii_lowercase().as_str() {
        "object" => {
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let props = schema["properties"].as_object().cloned().unwrap_or_default();
            Value::Object(
                props
                    .into_iter()
                    .filter(|(k, _)| required.contains(&k.as_str()))
                    .map(|(k, v)| (k, small_value(&v)))
                    .collect(),
            )
        }
        "array" => json!([]),
        "integer" | "number" => json!(schema["minimum"].as_f64().unwrap_or(1.0).max(1.0) as i64),
        "boolean" => json!(false),
        _ => json!("Run the requested command"),
    }
}

/// The call to answer `body` with, or None for the plain reply.
pub(super) fn plan(act: &Act, api: Api, body: &Value) -> Option<Call> {
    if has_tool_result(api, body) {
        return None;
    }
    let tools = declared(api, body);
    let find = |names: &[&str]| names.iter().find_map(|n| tools.iter().find(|t| t.name == *n));
    let (tool, keys, value, shell) = match act {
        Act::Tool { name, args } => {
            let tool = tools.iter().find(|t| t.name == *name)?;
            return Some(Call {
                name: tool.name.clone(),
                args: args.clone(),
                namespace: tool.namespace.clone(),
            });
        }
        Act::Shell(command) => (find(SHELL_TOOLS)?, COMMAND_KEYS, command.clone(), true),
        Act::Read(path) => match find(READ_TOOLS) {
            Some(tool) => (tool, PATH_KEYS, path.clone(), false),
            // No read tool (Codex): read through the shell.
            None => (find(SHELL_TOOLS)?, COMMAND_KEYS, format!("cat '{path}'"), true),
        },
    };
    if tool.name == "local_shell" {
        return Some(Call {
            name: tool.name.clone(),
            args: json!({"command": ["bash", "-lc", value]}),
            namespace: None,
        });
    }
    let props = tool.schema["properties"].as_object().cloned().unwrap_or_default();
    let mut args = match small_value(
        &json!({"type": "object", "properties": props, "required": tool.schema["required"]}),
    ) {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    let key = keys.iter().find(|k| props.contains_key(**k)).unwrap_or(&keys[0]);
    let value = if shell && props.get(*key).is_some_and(|p| p["type"] == "array") {
        json!(["bash", "-lc", value])
    } else {
        json!(value)
    };
    args.insert(key.to_string(), value);
    if shell && props.contains_key("description") {
        args.insert("description".into(), json!("Run the requested command"));
    }
    Some(Call { name: tool.name.clone(), args: Value::Object(args), namespace: tool.namespace.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anthropic(tools: Value, messages: Value) -> Value {
        json!({"tools": tools, "messages": messages})
    }

    #[test]
    fn shell_call_uses_the_declared_tool_and_its_argument_names() {
        let body = anthropic(
            json!([{"name": "Read", "input_schema": {"properties": {"file_path": {"type": "string"}}}},
                   {"name": "Bash", "input_schema": {"properties": {"command": {"type": "string"}, "description": {"type": "string"}, "timeout": {"type": "number"}}, "required": ["command"]}}]),
            json!([{"role": "user", "content": "hi"}]),
        );
        let call = plan(&Act::Shell("touch x".into()), Api::Anthropic, &body).unwrap();
        assert_eq!(call.name, "Bash");
        assert_eq!(call.args, json!({"command": "touch x", "description": "Run the requested command"}));
        let done =
            anthropic(body["tools"].clone(), json!([{"role": "user", "content": [{"type": "tool_result"}]}]));
        assert!(plan(&Act::Shell("touch x".into()), Api::Anthropic, &done).is_none());
    }

    #[test]
    fn read_falls_back_to_the_shell_and_arrays_get_an_argv() {
        let body = json!({"tools": [{"type": "function", "name": "exec_command", "parameters": {"properties": {"cmd": {"type": "string"}}}},
                                    {"type": "function", "name": "shell", "parameters": {"properties": {"command": {"type": "array"}}}}]});
        let call = plan(&Act::Read("/a/SKILL.md".into()), Api::Responses, &body).unwrap();
        assert_eq!((call.name.as_str(), call.args), ("exec_command", json!({"cmd": "cat '/a/SKILL.md'"})));
        let body = json!({"tools": [{"type": "function", "name": "shell", "parameters": {"properties": {"command": {"type": "array"}}}}]});
        let call = plan(&Act::Shell("ls".into()), Api::Responses, &body).unwrap();
        assert_eq!(call.args, json!({"command": ["bash", "-lc", "ls"]}));
    }

    #[test]
    fn named_tools_are_found_in_namespaces_and_gemini_declarations() {
        let act = Act::Tool { name: "metrics_record".into(), args: json!({"skill": "s"}) };
        let body = json!({"tools": [{"type": "namespace", "name": "mcp__sw", "tools": [{"type": "function", "name": "metrics_record"}]}]});
        let call = plan(&act, Api::Responses, &body).unwrap();
        assert_eq!((call.name.as_str(), call.namespace.as_deref()), ("metrics_record", Some("mcp__sw")));
        let act = Act::Tool { name: "mcp_sw_metrics_record".into(), args: json!({}) };
        let body = json!({"tools": [{"functionDeclarations": [{"name": "mcp_sw_metrics_record"}]}],
                          "contents": [{"parts": [{"text": "hi"}]}]});
        assert_eq!(plan(&act, Api::Gemini, &body).unwrap().name, "mcp_sw_metrics_record");
        assert!(plan(&act, Api::Chat, &json!({"tools": []})).is_none());
    }

    #[test]
    fn small_values_fit_their_schemas() {
        assert_eq!(small_value(&json!({"enum": ["a", "b"]})), json!("a"));
        assert_eq!(small_value(&json!({"type": ["null", "integer"], "minimum": 3})), json!(3));
        assert_eq!(
            small_value(
                &json!({"type": "object", "properties": {"a": {"type": "boolean"}, "b": {}}, "required": ["a"]})
            ),
            json!({"a": false})
        );
    }
}
