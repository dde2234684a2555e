"""The local HTTP API (``assistant serve``, ``assistant/api.py``): the same JSON as the CLI's
``--json``, one-line errors, Chinese as UTF-8 text; a real server over loopback; ``assistant
suggest`` answering through it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assistant.api import LOOPBACK_HOSTS, MAX_AUDIT_ROWS, create_app
from assistant.cli import CliState, _Suggester, cli

HISTORY = ["买家: 这件T恤有M码吗", "客服: M码有现货哦"]


@pytest.fixture(scope="module")
def client(assistant):
    with TestClient(create_app(assistant)) as test_client:  # `with` runs the start-up (warm-up)
        yield test_client


def test_health_says_ready_with_corpus_size_and_model(client, assistant):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "ready": True,
        "cases": len(assistant.engine.corpus.approved),
        "model": assistant.model_id,
        "settings": assistant.settings.fingerprint(),
    }


@pytest.mark.parametrize(
    "body",
    [
        {"message": "亲 这个T恤白色M码还有吗 今天拍能发吗"},
        {"message": "那L呢", "history": HISTORY, "k": 2},
        {"message": "都五天了还没发货 什么情况 我要投诉", "k": 1},
    ],
)
def test_suggest_is_the_suggest_json_object(client, assistant, body):
    response = client.post("/suggest", json=body)
    assert response.status_code == 200
    expected = assistant.suggest(body["message"], history=body.get("history"), k=body.get("k")).to_dict()
    assert response.json() == expected


def test_chinese_is_written_as_utf8_text(client):
    response = client.post("/suggest", json={"message": "包邮吗"})
    assert response.headers["content-type"].startswith("application/json")
    assert "\\u" not in response.text
    assert '"message":"包邮吗"' in response.content.decode("utf-8")
    error = client.post("/suggest", json={"message": " "})
    assert "买家消息为空" in error.content.decode("utf-8")


def test_check_is_the_check_json_object(client, assistant):
    response = client.post("/check", json={"reply": "你自己看详情页！！", "message": "有S码吗"})
    assert response.status_code == 200
    data = response.json()
    assert data == assistant.check("你自己看详情页！！", "有S码吗").to_dict()
    assert data["passed"] is False and data["violations"]
    assert "\\u" not in response.text


def test_audit_is_the_audit_json_rows(client, assistant, settings_tmp, tmp_path):
    rows = [
        {"message": "有S码吗", "reply": "你自己看详情页！！"},
        {"message": "包邮吗", "reply": "亲，全店满99元包邮哦"},
        {"reply": "不知道"},
    ]
    response = client.post("/audit", json=rows)
    assert response.status_code == 200
    data = response.json()
    assert data == [r.to_dict() for r in assistant.audit([(r.get("message"), r["reply"]) for r in rows]).rows]
    assert [r["row"] for r in data] == [1, 2, 3]
    assert data[0]["passed"] is False and data[1]["passed"] is True
    # the same rows as `assistant audit FILE --json` prints for the same table
    path = tmp_path / "replies.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:2]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--data-dir", str(settings_tmp.data_dir), "audit", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.strip().split("\n")] == data[:2]


def test_openapi_docs_list_every_endpoint(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/suggest", "/check", "/audit"} <= set(paths)


BAD = [
    ("empty message", "/suggest", {"message": "   "}, 400, "买家消息为空 the buyer message is empty"),
    (
        "huge message",
        "/suggest",
        {"message": "货" * 100_000},
        400,
        "买家消息太长 the message has 100,000 characters; the limit is 2,000 (max_message_chars)",
    ),
    (
        "history turn too long",
        "/suggest",
        {"message": "在吗", "history": ["客服: " + "好" * 3000]},
        400,
        "之前的对话太长 history turn 1 has 3,000 characters; the limit is 2,000 (max_message_chars)",
    ),
    ("k out of range", "/suggest", {"message": "在吗", "k": 0}, 400, "k must be between 1 and 50, not 0"),
    ("missing field", "/suggest", {"history": []}, 422, "请求有误 bad request: message: Field required"),
    (
        "wrong type",
        "/suggest",
        {"message": 5},
        422,
        "请求有误 bad request: message: Input should be a valid string",
    ),
    (
        "unknown field",
        "/suggest",
        {"message": "在吗", "msg": "x"},
        422,
        "请求有误 bad request: msg: Extra inputs are not permitted",
    ),
    ("empty reply", "/check", {"reply": ""}, 400, "回复为空 the reply is empty"),
    (
        "check without reply",
        "/check",
        {"message": "有S码吗"},
        422,
        "请求有误 bad request: reply: Field required",
    ),
    (
        "audit row without reply",
        "/audit",
        [{"message": "在吗"}],
        422,
        "请求有误 bad request: 0.reply: Field required",
    ),
    (
        "audit not a list",
        "/audit",
        {"message": "在吗", "reply": "在的"},
        422,
        "请求有误 bad request: body: Input should be a valid list",
    ),
]


@pytest.mark.parametrize(("path", "body", "status", "error"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_of_json(client, path, body, status, error):
    response = client.post(path, json=body)
    assert response.status_code == status
    assert response.json() == {"error": error}


def test_bad_json_and_lone_surrogates_are_one_line_errors(client):
    response = client.post(
        "/suggest", content=b'{"message": "\xe5\x9c\xa8', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"].startswith("请求不是有效的 JSON the request body is not valid JSON (")
    response = client.post(
        "/suggest", content=b'{"message": "\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"].startswith("请求有误 bad request: message: 不是有效的 Unicode 文本")
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.json() == {"error": "Not Found"}
    for response in (client.post("/suggest"), client.post("/audit", content=b"")):
        assert response.status_code == 422 and "\n" not in response.json()["error"]


def test_too_many_audit_rows_are_refused(client):
    response = client.post("/audit", json=[{"reply": "好的"}] * (MAX_AUDIT_ROWS + 1))
    assert response.status_code == 400
    assert response.json() == {
        "error": f"行数太多 {MAX_AUDIT_ROWS + 1:,} rows; one request audits at most {MAX_AUDIT_ROWS:,} "
        "(use `assistant audit FILE`)"
    }


def test_loopback_hosts_and_allowed_origins(assistant):
    app = create_app(
        assistant, warm=False, allow_origins=("https://workbench.example",), allowed_hosts=LOOPBACK_HOSTS
    )
    with TestClient(app, base_url="http://127.0.0.1:8765") as local:
        assert local.get("/health").status_code == 200
        # a page that rebound its own domain to 127.0.0.1 sends its domain as Host
        assert local.get("/health", headers={"Host": "localhost:8765"}).status_code == 200
        assert local.get("/health", headers={"Host": "[::1]:8765"}).status_code == 200
        refused = local.get("/health", headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert refused.json() == {"error": "主机名不被接受 this API answers only to 127.0.0.1 or localhost"}
        assert local.get("/health", headers={"Host": "127.0.0.1.evil.example:8765"}).status_code == 400
        preflight = local.options(
            "/suggest",
            headers={"Origin": "https://workbench.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == "https://workbench.example"
        other = local.get("/health", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


# ----------------------------------------------------------------------------- a real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> dict:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def server(settings_tmp):
    """`assistant serve` as a real process on a free loopback port, over the session's index."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASSISTANT_API_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--data-dir", str(settings_tmp.data_dir), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    try:
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"assistant serve exited: {process.stdout.read().decode('utf-8', 'replace')}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"assistant serve did not answer at {url} within 180 s")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    health = json.loads(response.read())
                    break
            except (OSError, ValueError):
                time.sleep(0.5)
        yield url, health
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        process.stdout.close()


@pytest.mark.slow
def test_a_real_server_answers_over_loopback(server, assistant):
    url, health = server
    # the port opens only once the model and index are loaded
    assert health["ready"] is True and health["cases"] == len(assistant.engine.corpus.approved)
    data = _post(f"{url}/suggest", {"message": "那L呢", "history": HISTORY})
    assert data == assistant.suggest("那L呢", history=HISTORY).to_dict()
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(f"{url}/suggest", {"message": ""})
    assert refused.value.code == 400
    assert json.loads(refused.value.read()) == {"error": "买家消息为空 the buyer message is empty"}


@pytest.mark.slow
def test_cli_suggest_answers_through_the_server(server, settings_tmp, monkeypatch, tmp_path):
    url, _ = server
    monkeypatch.setenv("ASSISTANT_API_URL", url)
    runner = CliRunner()
    base = ["--data-dir", str(settings_tmp.data_dir), "suggest"]
    path = tmp_path / "messages.jsonl"
    path.write_text(
        '{"message": "那L呢", "history": ["买家: 这件T恤有M码吗", "客服: M码有现货哦"]}\n{"message": ""}\n'
        '{"message": "都五天了还没发货"}\n',
        encoding="utf-8",
    )
    cases = [
        ["亲 这个T恤白色M码还有吗 今天拍能发吗"],
        ["那L呢", "--history", HISTORY[0], "--history", HISTORY[1], "--json"],
        ["--file", str(path), "--json"],
        ["--file", str(path)],
        [" "],
    ]
    in_process = [runner.invoke(cli, [*base, *args, "--no-server"]) for args in cases]
    assert _Suggester(CliState(None, {"data_dir": str(settings_tmp.data_dir)})).url == url

    def no_core(*_args, **_kwargs):
        raise AssertionError("answered in-process although the server runs")

    monkeypatch.setattr(CliState, "assistant", no_core)
    for args, expected in zip(cases, in_process, strict=True):
        result = runner.invoke(cli, [*base, *args])
        assert (result.exit_code, result.stdout, result.stderr) == (
            expected.exit_code,
            expected.stdout,
            expected.stderr,
        ), args
    assert in_process[-1].exit_code == 1 and "买家消息为空" in in_process[-1].stderr


def test_cli_suggest_stays_in_process_when_no_matching_server_answers(server, settings_tmp, monkeypatch):
    url, _ = server
    data_dir = str(settings_tmp.data_dir)
    monkeypatch.setenv("ASSISTANT_API_URL", url)
    monkeypatch.setenv("ASSISTANT_MIN_SIMILARITY", "0.5")  # other settings: other answers
    assert _Suggester(CliState(None, {"data_dir": data_dir})).url is None
    monkeypatch.delenv("ASSISTANT_MIN_SIMILARITY")
    monkeypatch.setenv("ASSISTANT_API_URL", f"http://127.0.0.1:{_free_port()}")  # nothing listens
    assert _Suggester(CliState(None, {"data_dir": data_dir})).url is None
    monkeypatch.setenv("ASSISTANT_API_URL", "")
    assert _Suggester(CliState(None, {"data_dir": data_dir})).url is None


def test_serve_refuses_a_busy_port_before_loading_anything(settings_tmp, monkeypatch):
    def no_core(*_args, **_kwargs):
        raise AssertionError("loaded the assistant for a port it cannot use")

    monkeypatch.setattr(CliState, "assistant", no_core)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["--data-dir", str(settings_tmp.data_dir), "serve", "--port", str(port)]
        )
    assert result.exit_code == 1
    assert (
        result.stderr == f"错误 Error: 端口不可用 cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
