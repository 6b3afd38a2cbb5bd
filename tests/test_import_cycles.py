"""No import cycle inside grassroots/ (scripts/check_cycles.py, also run in CI as `python scripts/check_cycles.py`).

The first test counts imports that run when a module loads (what Python itself trips over). The second also
counts imports inside functions: a cycle hidden by moving one import into a function is still two modules
that need each other (ruff's PLC0415 asks for those imports at the top).
"""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_cycles.py"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_no_cycle_among_module_level_imports():
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "no import cycles"


def test_no_cycle_even_counting_imports_inside_functions():
    result = run("--include-functions")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checker_finds_a_cycle(tmp_path):
    package = tmp_path / "grassroots"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "one.py").write_text("from grassroots.a import two\n")
    (package / "a" / "two.py").write_text("def f():\n    from grassroots.a.one import x\n")
    assert run(str(package)).returncode == 0  # the import inside a function does not run on load
    hidden = run(str(package), "--include-functions")
    assert hidden.returncode == 1 and "grassroots.a.one -> grassroots.a.two -> grassroots.a.one" in hidden.stdout
    (package / "a" / "two.py").write_text("from . import one\n")
    loaded = run(str(package))
    assert loaded.returncode == 1 and "grassroots.a.one -> grassroots.a.two -> grassroots.a.one" in loaded.stdout
