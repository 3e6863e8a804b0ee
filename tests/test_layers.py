"""Where things live: the shared base imports no part of the domain, the code names no city (the installation
file does), and views leave placing, numbering and saving records to their app's actions."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "kakehashi"
DOMAIN = {"seekers", "employers", "postings", "referrals", "plans", "governance", "welfare", "development",
          "matching", "interchange", "demo", "home", "api", "retention", "ops", "signin"}


def python_files(under: Path) -> list[Path]:
    return [p for p in sorted(under.rglob("*.py")) if "migrations" not in p.parts]


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_the_shared_base_imports_no_part_of_the_domain() -> None:
    found = {(p.name, m) for p in python_files(PACKAGE / "core") for m in imported(p)
             if m.startswith("kakehashi.") and m.split(".")[1] in DOMAIN}
    assert found == set()


def strings_in_code(path: Path) -> list[str]:
    """The string literals of a module that are not docstrings (those may name Kurashiki as an example)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_code_or_template_names_the_first_installations_city() -> None:
    named = [p.relative_to(PACKAGE).as_posix() for p in python_files(PACKAGE)
             if any("倉敷" in s for s in strings_in_code(p))]
    named += [p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("*.html"))
              if "倉敷" in p.read_text(encoding="utf-8")]
    assert named == [], "the city, its municipality and areas come from the installation file"


@pytest.mark.parametrize("app", ["employers", "postings", "seekers"])
def test_views_leave_placing_numbering_and_saving_to_the_actions(app: str) -> None:
    source = (PACKAGE / app / "views.py").read_text(encoding="utf-8")
    for spelling in ("set_place(", "uuid", "do_save_record(", ".save()"):
        assert spelling not in source, (app, spelling)
