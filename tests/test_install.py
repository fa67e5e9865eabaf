"""The README's install command, run as a new user would: a fresh venv whose pip is the one that
ships with Python (never upgraded), then the main job (`kg demo`) and an HTML page extracted
(issue 10, case 1: that pip skipped lxml's html_clean extra, and every HTML input failed)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
PAGE = """<!doctype html><html><head><title>联影医疗新品获批</title></head><body>
<nav>首页 | 新闻 | 关于我们</nav>
<article><h1>联影医疗新品获批</h1>
<p>联影医疗高级副总裁、首席技术官李明华介绍，公司自主研发的uMR Jupiter正式获得国家药品监督管理局批准上市。
该产品由上海联影医疗科技股份有限公司研发，面向三级医院。</p>
<p>李明华表示，公司将继续加大研发投入，推出更多高端医疗设备。</p></article>
<footer>版权所有</footer></body></html>"""


def install_command() -> str:
    """The command under the README's "Install and run the main job"."""
    block = README.split("**Install and run the main job**", 1)[1]
    return re.search(r"^    (python3 -m pip install .+)$", block, re.M).group(1)


@pytest.mark.slow
def test_the_readme_install_command_works_with_the_pip_python_ships(tmp_path):
    command = install_command()
    assert command == "python3 -m pip install -e . && kg demo"
    clone = tmp_path / "kg"
    shutil.copytree(REPO, clone, ignore=lambda folder, names: [
        n for n in names if n in (".git", ".venv", ".kg", "__pycache__", ".pytest_cache") or n.endswith(".egg-info")
        or (Path(folder) == REPO and n == "viz")])
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)          # its bundled pip, as is
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "KG_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("KG_STORE", None)
    env.pop("PYTHONPATH", None)
    run = subprocess.run(["bash", "-c", command], cwd=clone, env=env, text=True, capture_output=True,
                         timeout=1800, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "articles: 56 new" in run.stdout and (clone / "viz" / "demo.html").exists()
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    extracted = subprocess.run([str(venv / "bin" / "kg"), "extract", str(tmp_path / "page.html")], env=env,
                               text=True, capture_output=True, timeout=300)
    assert extracted.returncode == 0, extracted.stderr
    assert "李明华" in extracted.stdout and "Traceback" not in extracted.stderr
