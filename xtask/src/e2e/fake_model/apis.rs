//! The smallest answers each model API's clients accept: the reply text, or one tool call.
//!
//! | API | request | answer |
//! |---|---|---|
//! | Anthropic Messages | `POST …/v1/messages` | SSE when `"stream"`, else JSON |
//! | | `POST …/v1/messages/count_tokens` | `{"input_tokens": …}` |
//! | OpenAI Responses | `POST …/v1/responses` | SSE unless `"stream": false` |
//! | OpenAI Chat | `POST …/v1/chat/completions` | SSE chunks and `[DONE]` when `"stream"` |
//! | Gemini | `POST …/models/M:generateContent` | JSON; in JSON mode (the Gemini CLI's router) a value of the asked schema |
//! | | `POST …/models/M:streamGenerateContent` | SSE |
//! | | `POST …/models/M:countTokens` | `{"totalTokens": …}` |
//! | | `GET …/models` | a one-model list |
//! | anything else | | `200 {}` |

use super::plan::{Act, Api, Call, plan};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

const INPUT_TOKENS: u64 = 10;
const OUTPUT_TOKENS: u64 = 3;

/// An answer: content type and bytes, and the tool call it makes (to record).
pub(super) struct Answer {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub call: Option<(Api, Call)>,
}

fn json_answer(value: Value) -> Answer {
    Answer { content_type: "application/json", bytes: value.to_string().into_bytes(), call: None }
}

/// Server-sent events from (event name, data) pairs.
fn sse(events: Vec<(Option<&str>, Value)>) -> Answer {
    let mut text = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            text.push_str(&format!("event: {name}\n"));
        }
        let payload = match data {
            Value::String(raw) => raw,
            other => other.to_string(),
        };
        text.push_str(&format!("data: {payload}\n\n"));
    }
    Answer { content_type: "text/event-stream", bytes: text.into_bytes(), call: None }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// The answer to one request; `path` has no query string.
pub(super) fn route(method: &str, path: &str, body: &Value, reply: &str, act: Option<&Act>) -> Answer {
    let call = |api: Api| act.and_then(|act| plan(act, api, body));
    if method == "GET" {
        if path.contains("/v1beta/models") {
            return json_answer(json!({"models": [{"name": "models/gemini-fake",
                "supportedGenerationMethods": ["generateContent"]}]}));
        }
        if path.ends_with("/models") {
            return json_answer(json!({"object": "list", "data": [{"id": "fake-model", "object": "model",
                "type": "model", "display_name": "fake", "created_at": "2026-01-01T00:00:00Z"}]}));
        }
        return json_answer(json!({}));
    }
    let answer = |api: Api, answer: fn(&Value, &str, Option<&Call>) -> Answer| {
        let call = call(api);
        let mut out = answer(body, reply, call.as_ref());
        out.call = call.map(|c| (api, c));
        out
    };
    if path.ends_with("/messages/count_tokens") {
        json_answer(json!({"input_tokens": INPUT_TOKENS}))
    } else if path.ends_with("/messages") {
        answer(Api::Anthropic, anthropic)
    } else if path.ends_with("/responses") {
        answer(Api::Responses, responses)
    } else if path.ends_with("/chat/completions") {
        answer(Api::Chat, chat)
    } else if path.contains("/models/") && path.rsplit('/').next().is_some_and(|last| last.contains(':')) {
        gemini(path, body, reply, act)
    } else {
        json_answer(json!({}))
    }
}

fn anthropic(body: &Value, reply: &str, call: Option<&Call>) -> Answer {
    let mut message = json!({
        "id": "msg_fake", "type": "message", "role": "assistant",
        "model": body.get("model").cloned().unwrap_or(json!("claude-fake")),
        "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": OUTPUT_TOKENS,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
    });
    let (block, delta, stop) = match call {
        Some(call) => (
            json!({"type": "tool_use", "id": "toolu_fake_1", "name": call.name, "input": {}}),
            json!({"type": "input_json_delta", "partial_json": call.args.to_string()}),
            "tool_use",
        ),
        None => {
            (json!({"type": "text", "text": ""}), json!({"type": "text_delta", "text": reply}), "end_turn")
        }
    };
    if body["stream"] != true {
        let whole = match call {
            Some(call) => {
                json!({"type": "tool_use", "id": "toolu_fake_1", "name": call.name, "input": call.args})
            }
            None => json!({"type": "text", "text": reply}),
        };
        message["content"] = json!([whole]);
        message["stop_reason"] = json!(stop);
        return json_answer(message);
    }
    sse(vec![
        (Some("message_start"), json!({"type": "message_start", "message": message})),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        ),
        (Some("content_block_delta"), json!({"type": "content_block_delta", "index": 0, "delta": delta})),
        (Some("content_block_stop"), json!({"type": "content_block_stop", "index": 0})),
        (
            Some("message_delta"),
            json!({"type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": OUTPUT_TOKENS}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

fn responses(body: &Value, reply: &str, call: Option<&Call>) -> Answer {
    let item = match call {
        Some(call) if call.name == "local_shell" => json!({"id": "lsh_fake", "type": "local_shell_call",
            "call_id": "call_fake_1", "status": "completed",
            "action": {"type": "exec", "command": call.args["command"], "env": {}}}),
        Some(call) => {
            let mut item = json!({"id": "fc_fake", "type": "function_call", "status": "completed",
                "call_id": "call_fake_1", "name": call.name, "arguments": call.args.to_string()});
            if let Some(namespace) = &call.namespace {
                item["namespace"] = json!(namespace);
            }
            item
        }
        None => json!({"id": "msg_fake", "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": reply, "annotations": []}]}),
    };
    let started = json!({"id": "resp_fake", "object": "response", "created_at": now(), "status": "in_progress",
        "model": body.get("model").cloned().unwrap_or(json!("gpt-fake")), "output": []});
    let mut finished = started.clone();
    finished["status"] = json!("completed");
    finished["output"] = json!([item]);
    finished["usage"] = json!({"input_tokens": INPUT_TOKENS, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": OUTPUT_TOKENS, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS});
    if body["stream"] == false {
        return json_answer(finished);
    }
    let mut events =
        vec![(Some("response.created"), json!({"type": "response.created", "response": started}))];
    match call {
        Some(_) => {
            events.push((
                Some("response.output_item.added"),
                json!({"type": "response.output_item.added", "output_index": 0, "item": item}),
            ));
            if item["type"] == "function_call" {
                events.push((
                    Some("response.function_call_arguments.done"),
                    json!({
                    "type": "response.function_call_arguments.done", "output_index": 0,
                    "item_id": item["id"], "arguments": item["arguments"]}),
                ));
            }
        }
        None => {
            let mut added = item.clone();
            added["status"] = json!("in_progress");
            added["content"] = json!([]);
            events.push((
                Some("response.output_item.added"),
                json!({"type": "response.output_item.added", "output_index": 0, "item": added}),
            ));
            events.push((
                Some("response.output_text.delta"),
                json!({"type": "response.output_text.delta",
                "output_index": 0, "content_index": 0, "item_id": item["id"], "delta": reply}),
            ));
        }
    }
    events.push((
        Some("response.output_item.done"),
        json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
    ));
    events.push((Some("response.completed"), json!({"type": "response.completed", "response": finished})));
    sse(events)
}

fn chat(body: &Value, reply: &str, call: Option<&Call>) -> Answer {
    let head = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": now(),
        "model": body.get("model").cloned().unwrap_or(json!("gpt-fake"))});
    let usage = json!({"prompt_tokens": INPUT_TOKENS, "completion_tokens": OUTPUT_TOKENS,
        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS});
    let with = |extra: Value| {
        let mut v = head.clone();
        if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
            v.extend(extra);
        }
        v
    };
    let tool_call = call.map(|call| {
        json!({"id": "call_fake_1", "type": "function",
        "function": {"name": call.name, "arguments": call.args.to_string()}})
    });
    if body["stream"] != true {
        let (message, finish) = match &tool_call {
            Some(tc) => (json!({"role": "assistant", "content": null, "tool_calls": [tc]}), "tool_calls"),
            None => (json!({"role": "assistant", "content": reply}), "stop"),
        };
        return json_answer(with(json!({"object": "chat.completion", "usage": usage,
            "choices": [{"index": 0, "finish_reason": finish, "message": message}]})));
    }
    let chunk = |delta: Value, finish: Value| {
        (None, with(json!({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})))
    };
    let mut events = match &tool_call {
        Some(tc) => vec![
            chunk(
                json!({"role": "assistant", "content": null, "tool_calls": [{"index": 0, "id": tc["id"],
                "type": "function", "function": {"name": tc["function"]["name"], "arguments": ""}}]}),
                Value::Null,
            ),
            chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": tc["function"]["arguments"]}}]}),
                Value::Null,
            ),
            chunk(json!({}), json!("tool_calls")),
        ],
        None => vec![
            chunk(json!({"role": "assistant", "content": ""}), Value::Null),
            chunk(json!({"content": reply}), Value::Null),
            chunk(json!({}), json!("stop")),
        ],
    };
    events.push((None, with(json!({"choices": [], "usage": usage}))));
    events.push((None, json!("[DONE]")));
    sse(events)
}

/// A small value that a JSON schema accepts, for Gemini's JSON mode (`reply` for strings).
fn schema_value(schema: &Value, reply: &str) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match schema["type"].as_str().unwrap_or("string").to_ascii_lowercase().as_str() {
        "object" => Value::Object(
            schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), schema_value(v, reply)))
                .collect(),
        ),
        "array" => json!([schema_value(&schema["items"], reply)]),
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        "number" => json!(schema["minimum"].as_f64().unwrap_or(1.0).max(1.0)),
        "boolean" => json!(false),
        _ => json!(reply),
    }
}

fn gemini(path: &str, body: &Value, reply: &str, act: Option<&Act>) -> Answer {
    if path.contains(":countTokens") {
        return json_answer(json!({"totalTokens": INPUT_TOKENS}));
    }
    let config = &body["generationConfig"];
    let mut call = None;
    let parts = if config["responseMimeType"] == "application/json" {
        // The Gemini CLI's model router asks for {complexity_reasoning, complexity_score}; an
        // answer that does not parse makes it retry with back-off for minutes.
        let schema = config.get("responseJsonSchema").or_else(|| config.get("responseSchema"));
        let schema = schema.filter(|s| !s.is_null()).cloned().unwrap_or(json!({"type": "object"}));
        json!([{"text": schema_value(&schema, reply).to_string()}])
    } else if let Some(planned) = act.and_then(|act| plan(act, Api::Gemini, body)) {
        let parts = json!([{"functionCall": {"name": planned.name, "args": planned.args}}]);
        call = Some((Api::Gemini, planned));
        parts
    } else {
        json!([{"text": reply}])
    };
    let model = path.rsplit("/models/").next().unwrap_or_default().split(':').next().unwrap_or_default();
    let answer = json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "modelVersion": model,
        "usageMetadata": {"promptTokenCount": INPUT_TOKENS, "candidatesTokenCount": OUTPUT_TOKENS,
                          "totalTokenCount": INPUT_TOKENS + OUTPUT_TOKENS},
    });
    let mut out =
        if path.contains(":streamGenerateContent") { sse(vec![(None, answer)]) } else { json_answer(answer) };
    out.call = call;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(answer: &Answer) -> String {
        String::from_utf8_lossy(&answer.bytes).into_owned()
    }

    #[test]
    fn every_api_gets_the_reply() {
        let a = route("POST", "/v1/messages", &json!({"stream": true}), "R", None);
        assert!(a.content_type == "text/event-stream" && text(&a).contains("\"text\":\"R\""));
        let a = route("POST", "/v1/responses", &json!({}), "R", None);
        assert!(text(&a).contains("event: response.completed") && text(&a).contains("\"delta\":\"R\""));
        let a = route("POST", "/v1/chat/completions", &json!({"stream": false}), "R", None);
        assert_eq!(
            serde_json::from_slice::<Value>(&a.bytes).unwrap()["choices"][0]["message"]["content"],
            "R"
        );
        let a = route("POST", "/v1beta/models/g:streamGenerateContent", &json!({}), "R", None);
        assert!(text(&a).starts_with("data: ") && text(&a).contains("\"text\":\"R\""));
        let a = route("GET", "/v1/models", &Value::Null, "R", None);
        assert!(text(&a).contains("fake-model"));
    }

    #[test]
    fn gemini_json_mode_gets_a_value_of_its_schema() {
        let schema = json!({"type": "object", "properties": {"complexity_score": {"type": "integer", "minimum": 1}, "r": {"type": "string"}}});
        let body = json!({"generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema}});
        let a = route("POST", "/v1beta/models/g:generateContent", &body, "R", None);
        let v: Value = serde_json::from_slice(&a.bytes).unwrap();
        let inner: Value =
            serde_json::from_str(v["candidates"][0]["content"]["parts"][0]["text"].as_str().unwrap())
                .unwrap();
        assert_eq!(inner, json!({"complexity_score": 1, "r": "R"}));
    }

    #[test]
    fn a_tool_call_in_each_api() {
        let act = Act::Shell("touch m".into());
        let schema = json!({"properties": {"command": {"type": "string"}}});
        let a = route(
            "POST",
            "/v1/messages",
            &json!({"stream": true, "tools": [{"name": "Bash", "input_schema": schema}]}),
            "R",
            Some(&act),
        );
        assert!(text(&a).contains("input_json_delta") && text(&a).contains("touch m") && a.call.is_some());
        let a = route(
            "POST",
            "/v1/chat/completions",
            &json!({"stream": true, "tools": [{"function": {"name": "bash", "parameters": schema}}]}),
            "R",
            Some(&act),
        );
        assert!(text(&a).contains("\"finish_reason\":\"tool_calls\""));
        let a = route(
            "POST",
            "/v1/responses",
            &json!({"tools": [{"type": "function", "name": "exec_command", "parameters": {"properties": {"cmd": {}}}}]}),
            "R",
            Some(&act),
        );
        assert!(text(&a).contains("function_call_arguments.done"));
        let a = route(
            "POST",
            "/v1beta/models/g:streamGenerateContent",
            &json!({"tools": [{"functionDeclarations": [{"name": "run_shell_command", "parameters": schema}]}]}),
            "R",
            Some(&act),
        );
        assert!(text(&a).contains("functionCall"));
    }
}
