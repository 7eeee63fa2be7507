"""A newcomer's mistakes fail in seconds with one line (issue #18): a model name that is
neither a directory nor reachable on the hub, a device torch lacks, an OpenAI-compatible
server that is down or refuses the key."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.model_source import ModelNotAvailable, check_device, resolve_pretrained
from rlvr_envs.cli import main


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hub_unreachable(monkeypatch, tmp_path):
    """The hub at a loopback port nobody listens on, and an empty HF cache."""
    from huggingface_hub import constants
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return tmp_path / "hub"


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_a_hub_name_with_the_hub_unreachable_fails_in_one_line(hub_unreachable, capsys):
    rc = main(["bench", "--agent", "hf:SomeOrg/no-such-model", "--envs", "rlvr/Math-v0",
               "--episodes", "1", "--out", str(hub_unreachable.parent / "out"), "--quiet"])
    assert rc == 2
    line = _one_line(capsys.readouterr().err)
    assert "'SomeOrg/no-such-model'" in line and "cannot be reached" in line


def test_a_cached_hub_name_loads_from_the_cache_when_the_hub_is_unreachable(hub_unreachable):
    snap = hub_unreachable / "models--SomeOrg--cached" / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    (hub_unreachable / "models--SomeOrg--cached" / "refs").mkdir()
    (hub_unreachable / "models--SomeOrg--cached" / "refs" / "main").write_text("abc123")
    assert resolve_pretrained("SomeOrg/cached") == {"local_files_only": True}


def test_offline_mode_names_the_missing_download(hub_unreachable, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailable, match="HF_HUB_OFFLINE is set.*hf download SomeOrg/m"):
        resolve_pretrained("SomeOrg/m")


def test_local_paths_are_checked_without_the_hub(tmp_path):
    with pytest.raises(ModelNotAvailable, match="no such checkpoint directory"):
        resolve_pretrained(str(tmp_path / "missing"))
    with pytest.raises(ModelNotAvailable, match="without config.json"):
        resolve_pretrained(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert resolve_pretrained(str(tmp_path)) == {}


def test_train_with_a_missing_model_directory_exits_with_one_line(tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["train", "--preset", "tiny", "--model", str(tmp_path / "ckpt"),
              "--output-dir", str(tmp_path / "run")])
    assert str(e.value).startswith("rlvr train: ") and "no such checkpoint directory" in str(e.value)


def test_cuda_without_cuda_is_one_line(monkeypatch, tmp_path):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ModelNotAvailable, match="device 'cuda'.*--device cpu"):
        check_device("cuda")
    check_device("cpu")
    with pytest.raises(SystemExit, match="rlvr train: device 'cuda'"):
        main(["train", "--preset", "tiny", "--device", "cuda",
              "--output-dir", str(tmp_path / "run")])


def test_an_unreachable_openai_server_fails_before_any_episode(tmp_path, capsys):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    rc = main(["bench", "--agent", f"openai:m@{url}", "--envs", "rlvr/Math-v0",
               "--episodes", "2", "--out", str(tmp_path), "--quiet"])
    assert rc == 2
    line = _one_line(capsys.readouterr().err)
    assert f"cannot reach the OpenAI-compatible server at {url}" in line
    assert not (tmp_path / "results.json").exists()


class _Refusing(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"error": {"message": "bad key"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_server_refusing_the_key_says_so(tmp_path, capsys):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        rc = main(["bench", "--agent", f"openai:m@{url}", "--envs", "rlvr/Math-v0",
                   "--episodes", "1", "--out", str(tmp_path), "--quiet"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert rc == 2
    assert "refused the API key (HTTP 401); set OPENAI_API_KEY" in capsys.readouterr().err


def test_a_404_on_models_warns_about_the_url_and_the_run_exits_1_with_the_reason(tmp_path,
                                                                              capsys):
    class NotFound(_Refusing):
        def do_GET(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        rc = main(["bench", "--agent", f"openai:m@{url}", "--envs", "rlvr/Math-v0",
                   "--episodes", "2", "--out", str(tmp_path), "--quiet"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    err = capsys.readouterr().err
    assert rc == 1
    assert "answered GET /models with HTTP 404" in err and "ending in /v1" in err
    assert "2 of 2 episodes ended in an infra error" in err and "HTTP 404" in err
