"""Packaging: whose 'autograd' package is imported, and what the wheel and sdist carry."""

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", "out",
                                     ".hypothesis", ".mypy_cache", ".ruff_cache", "build",
                                     "dist", ".pytest_cache")


def run_python(code, path, cwd):
    """``code`` in a Python without site-packages (-S), importing from ``path`` only."""
    env = {"PYTHONPATH": os.pathsep.join(map(str, path)), "PATH": os.environ.get("PATH", "")}
    return subprocess.run([sys.executable, "-S", "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_version_is_the_package_s():
    assert autograd.__version__ == metadata.version("chainrule") == "0.1.0"


def test_hips_autograd_in_place_of_ours_is_named_at_import(tmp_path):
    # pip installing PyPI's autograd over chainrule replaces autograd/__init__.py
    shutil.copytree(ROOT / "autograd", tmp_path / "autograd", ignore=COPY_IGNORE)
    (tmp_path / "autograd" / "__init__.py").write_text(
        '"""Efficiently computes derivatives of NumPy code (HIPS autograd)."""\n')
    shutil.copytree(ROOT / "nn", tmp_path / "nn", ignore=COPY_IGNORE)
    for code in ("import nn", "from autograd.engine import Value"):
        done = run_python(code, [tmp_path], tmp_path)
        assert done.returncode != 0
        assert "ImportError: the 'autograd' package imported from" in done.stderr
        assert "is not chainrule's" in done.stderr and "pip uninstall -y autograd" in done.stderr


def test_hips_autograd_installed_beside_chainrule_is_named_at_import(tmp_path):
    site = tmp_path / "site"
    info = site / "autograd-1.7.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: autograd\nVersion: 1.7.0\n")
    done = run_python("import autograd", [ROOT, site], tmp_path)
    assert done.returncode != 0
    assert "PyPI's 'autograd' (HIPS autograd 1.7.0) is installed in the same environment" in (
        done.stderr)
    assert run_python("import autograd, nn", [ROOT], tmp_path).returncode == 0


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The wheel and the sdist, built from a copy of the working tree."""
    pytest.importorskip("setuptools", minversion="77")
    tree = tmp_path_factory.mktemp("tree") / "chainrule"
    shutil.copytree(ROOT, tree, ignore=COPY_IGNORE)
    out = tree / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(out)], cwd=tree, check=True,
                   capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                    "build_meta.build_sdist(sys.argv[1])", str(out)], cwd=tree, check=True,
                   capture_output=True, timeout=300)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def test_the_wheel_carries_the_packages_their_types_and_the_licence(built):
    wheel, _ = built
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {"autograd/py.typed", "nn/py.typed", "autograd/engine.py", "autograd/owner.py",
            "autograd/views/explorer.html", "nn/rnn.py", "demos/moons.py", "demos/gpt.py"} <= names
    assert not any(n.startswith(("tests/", "benchmarks/", "docs/")) for n in names)
    assert "License-Expression: MIT" in meta and "Classifier: License ::" not in meta
    assert f"Version: {autograd.__version__}" in meta


def test_the_sdist_carries_what_its_tests_and_commands_need(built):
    _, sdist = built
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    needed = {"tests/conftest.py", "tests/random_graphs.py", "tests/test_engine.py",
              "benchmarks/engine.py", "benchmarks/microgpt_value.py", "docs/gpt_loss.png",
              "dev.sh", ".ci/run", "ruff.toml", "LICENSE", "README.md", "setup.cfg",
              "pyproject.toml", "autograd/py.typed", "autograd/views/explorer.html", "demos/rnn.py",
              "notebooks/tour.ipynb", "conftest.py", "mkdocs.yml", "docs/index.md",
              "docs/api/nn.md", "CONTRIBUTING.md"}
    assert needed <= names, needed - names


def test_mypy_sees_the_types_of_an_installed_chainrule(built, tmp_path):
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    if mypy is None:
        pytest.skip("mypy is not installed")
    wheel, _ = built
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = next((venv / "lib").glob("python3*")) / "site-packages"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)  # a wheel is a zip laid out as site-packages: this installs it
    user = tmp_path / "user.py"
    user.write_text("from autograd import Value\nimport nn\n"
                    "y = Value(2.0) * 3\nreveal_type(y)\nreveal_type(nn.RNN(1, 2))\n")
    done = subprocess.run([mypy, "--python-executable", str(venv / "bin" / "python"),
                           "--no-incremental", str(user)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert 'Revealed type is "autograd.core.value.Value"' in done.stdout, done.stdout
    assert 'Revealed type is "nn.rnn.RNN"' in done.stdout
