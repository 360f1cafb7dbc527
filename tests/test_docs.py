"""The README and the guide: a landing page of at most 12,000 characters that links every
page of the guide, and a site whose navigation lists every page. (Their examples run as
tests through Sybil: conftest.py; the site is built with warnings as errors by dev.sh.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))


def test_the_readme_is_a_landing_page_that_links_every_page_of_the_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 12_000
    assert readme.startswith("# chainrule\n\n```bash\nbash dev.sh demo")
    linked = set(re.findall(r"\]\(docs/([^)#]+)", readme))
    assert set(PAGES) - {"index.md"} <= linked, set(PAGES) - linked


def test_the_site_s_navigation_lists_every_page():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s+(\S+\.md)\s*$", config, flags=re.MULTILINE))
    assert listed == set(PAGES)
