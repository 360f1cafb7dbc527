"""The README's examples, run by the tests: each prints what its comments say it prints."""

import builtins
import pathlib


def section_code(title):
    """The first Python block under the README's section ``title``."""
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def run_and_compare(code, capsys, separators):
    """Run ``code``; assert each print() printed what its comment says, up to the first of
    ``separators`` (what follows is prose)."""
    exec(builtins.compile(code, "README.md", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out.splitlines()
    said = []
    for line in code.splitlines():
        if line.startswith("print("):
            comment = line.split("# ", 1)[1]
            for separator in separators:
                comment = comment.split(separator)[0]
            said.append(comment.strip())
    assert printed == said
