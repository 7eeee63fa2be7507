"""The demo install has no torch (issue #18: `make demo` installs the package alone): every
command but `rlvr train` must work, and `rlvr train` says which extra to install."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# a process in which torch, transformers, peft and openai cannot be imported
PRELUDE = ("import sys\n"
           "for m in ('torch', 'transformers', 'peft', 'openai'): sys.modules[m] = None\n"
           "from rlvr_envs.cli import main\n")


def _run(argv):
    code = PRELUDE + f"sys.exit(main({argv!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_list_and_bench_work_without_torch(tmp_path):
    r = _run(["list"])
    assert r.returncode == 0 and "rlvr/Math-v0" in r.stdout, r.stderr
    r = _run(["bench", "--envs", "rlvr/Math-v0", "--episodes", "2", "--out", str(tmp_path),
              "--quiet"])
    assert r.returncode == 0 and "mean over envs" in r.stdout, r.stderr


def test_train_without_torch_names_the_extra():
    r = _run(["train", "--preset", "tiny", "--steps", "1"])
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == ("rlvr train needs the train extra (torch is missing): "
                                "pip install 'rlvr-envs[train]'")
