#!/usr/bin/env python3
"""A recording stand-in for the model APIs of the coding-agent hosts, for `cargo xtask e2e`.

    python3 fake_model.py --log REQUESTS.jsonl --port-file PORT [--reply TEXT] [--idle-exit S]

Listens on 127.0.0.1 (a free port, written to --port-file once it is listening). Every request is
appended to --log as one JSON line: {"t", "method", "path", "headers", "body"}, the body parsed as
JSON when it is JSON. The line is written before the answer is sent, so a client that got its
answer has been recorded. Each API gets the smallest reply its client accepts, whose text is
--reply:

    Anthropic Messages  POST …/v1/messages                  SSE when "stream", else JSON
                        POST …/v1/messages/count_tokens     {"input_tokens": …}
    OpenAI Responses    POST …/v1/responses                 SSE unless "stream": false
    OpenAI Chat         POST …/v1/chat/completions          SSE chunks + [DONE] when "stream"
    Gemini              POST …/models/M:generateContent     JSON; in JSON mode (the Gemini CLI
                                                            router) a value of the asked schema
                        POST …/models/M:streamGenerateContent   SSE
                        POST …/models/M:countTokens         {"totalTokens": …}
    GET …/models                                            a one-model list
    anything else                                           200 {}

Standard library only. It stops by itself when the process that started it is gone, or after
--idle-exit seconds without a request, so a run that dies without stopping it leaves nothing behind.
"""

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USAGE = {"input": 10, "output": 3}


def sse(events):
    """Server-sent events from (event name or None, JSON value or raw string) pairs."""
    chunks = []
    for name, data in events:
        if name:
            chunks.append(f"event: {name}\n")
        payload = data if isinstance(data, str) else json.dumps(data)
        chunks.append(f"data: {payload}\n\n")
    return "".join(chunks).encode()


def json_reply(value):
    return "application/json", json.dumps(value).encode()


def anthropic_messages(body, reply):
    usage = {
        "input_tokens": USAGE["input"],
        "output_tokens": USAGE["output"],
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-fake"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    if not body.get("stream"):
        message.update(content=[{"type": "text", "text": reply}], stop_reason="end_turn")
        return json_reply(message)
    return "text/event-stream", sse([
        ("message_start", {"type": "message_start", "message": message}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": reply}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": USAGE["output"]}}),
        ("message_stop", {"type": "message_stop"}),
    ])


def openai_responses(body, reply):
    item = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": reply, "annotations": []}],
    }
    started = {
        "id": "resp_fake",
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "model": body.get("model", "gpt-fake"),
        "output": [],
    }
    finished = dict(started, status="completed", output=[item], usage={
        "input_tokens": USAGE["input"],
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": USAGE["output"],
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": USAGE["input"] + USAGE["output"],
    })
    if body.get("stream") is False:
        return json_reply(finished)
    return "text/event-stream", sse([
        ("response.created", {"type": "response.created", "response": started}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                        "item": dict(item, status="in_progress", content=[])}),
        ("response.output_text.delta", {"type": "response.output_text.delta", "output_index": 0,
                                        "content_index": 0, "item_id": item["id"],
                                        "delta": reply}),
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                       "item": item}),
        ("response.completed", {"type": "response.completed", "response": finished}),
    ])


def openai_chat(body, reply):
    head = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "gpt-fake"),
    }
    usage = {
        "prompt_tokens": USAGE["input"],
        "completion_tokens": USAGE["output"],
        "total_tokens": USAGE["input"] + USAGE["output"],
    }
    if not body.get("stream"):
        return json_reply(dict(head, object="chat.completion", usage=usage, choices=[{
            "index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": reply}}]))

    def chunk(delta, finish=None):
        return None, dict(head, choices=[{"index": 0, "delta": delta, "finish_reason": finish}])

    return "text/event-stream", sse([
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": reply}),
        chunk({}, "stop"),
        (None, dict(head, choices=[], usage=usage)),
        (None, "[DONE]"),
    ])


def schema_value(schema, reply):
    """A small value that satisfies a JSON schema (as used in Gemini's JSON mode)."""
    schema = schema or {}
    if schema.get("enum"):
        return schema["enum"][0]
    kind = str(schema.get("type", "string")).lower()
    if kind == "object":
        return {k: schema_value(v, reply) for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [schema_value(schema.get("items"), reply)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", 1)
        return max(low, 1) if kind == "integer" else float(max(low, 1))
    if kind == "boolean":
        return False
    return reply


def gemini(path, body, reply):
    if ":countTokens" in path:
        return json_reply({"totalTokens": USAGE["input"]})
    config = body.get("generationConfig") or {}
    text = reply
    if config.get("responseMimeType") == "application/json":
        # The Gemini CLI's model router asks for {complexity_reasoning, complexity_score}; an
        # answer that does not parse makes it retry with back-off for minutes.
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        text = json.dumps(schema_value(schema or {"type": "object"}, reply))
    model = path.rsplit("/models/", 1)[-1].split(":", 1)[0]
    answer = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                        "finishReason": "STOP", "index": 0}],
        "modelVersion": model,
        "usageMetadata": {"promptTokenCount": USAGE["input"],
                          "candidatesTokenCount": USAGE["output"],
                          "totalTokenCount": USAGE["input"] + USAGE["output"]},
    }
    if ":streamGenerateContent" in path:
        return "text/event-stream", sse([(None, answer)])
    return json_reply(answer)


def route(method, path, body, reply):
    """(content type, bytes) for one request; `path` has no query string."""
    if method == "GET":
        if "/v1beta/models" in path:
            return json_reply({"models": [{"name": "models/gemini-fake",
                                           "supportedGenerationMethods": ["generateContent"]}]})
        if path.endswith("/models"):
            return json_reply({"object": "list", "data": [
                {"id": "fake-model", "object": "model", "type": "model",
                 "display_name": "fake", "created_at": "2026-01-01T00:00:00Z"}]})
        return json_reply({})
    if path.endswith("/messages/count_tokens"):
        return json_reply({"input_tokens": USAGE["input"]})
    if path.endswith("/messages"):
        return anthropic_messages(body, reply)
    if path.endswith("/responses"):
        return openai_responses(body, reply)
    if path.endswith("/chat/completions"):
        return openai_chat(body, reply)
    if "/models/" in path and ":" in path.rsplit("/", 1)[-1]:
        return gemini(path, body, reply)
    return json_reply({})


class Recorder:
    """Appends one JSON line per request; remembers when the last one came."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.last = time.monotonic()

    def record(self, entry):
        line = json.dumps(entry) + "\n"
        with self.lock:
            self.last = time.monotonic()
            with open(self.path, "a", encoding="utf-8") as log:
                log.write(line)


def handler(recorder, reply):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _answer(self, with_body):
            body = self._body()
            recorder.record({
                "t": time.time(),
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": body,
            })
            ctype, data = route(self.command, self.path.split("?", 1)[0],
                                body if isinstance(body, dict) else {}, reply)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("request-id", "req_fake")
            self.send_header("x-request-id", "req_fake")
            if ctype == "text/event-stream":
                self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if with_body:
                self.wfile.write(data)

        def do_GET(self):
            self._answer(True)

        def do_POST(self):
            self._answer(True)

        def do_HEAD(self):
            self._answer(False)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--log", required=True, help="JSON-lines file that receives each request")
    parser.add_argument("--port-file", required=True, help="file that receives the chosen port")
    parser.add_argument("--reply", default="OK-FAKE-REPLY", help="the assistant's answer text")
    parser.add_argument("--idle-exit", type=float, default=600.0,
                        help="stop after this many seconds without a request")
    args = parser.parse_args()

    recorder = Recorder(args.log)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(recorder, args.reply))
    server.daemon_threads = True
    partial = args.port_file + ".tmp"
    with open(partial, "w", encoding="utf-8") as out:
        out.write(str(server.server_address[1]))
    os.replace(partial, args.port_file)

    parent = os.getppid()

    def stop_when_orphaned_or_idle():
        while os.getppid() == parent and time.monotonic() - recorder.last < args.idle_exit:
            time.sleep(1)
        server.shutdown()

    threading.Thread(target=stop_when_orphaned_or_idle, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
