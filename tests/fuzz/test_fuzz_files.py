"""Fuzzed files: traces (replay, shrink), result files (report), history CSVs
(monitor-convert, stress --history) and [tool.solvent] tables.

Property (fuzz_support.assert_clean): exit 0 to 3 with a message, never 4, never a
traceback, never a hang.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import COUNTER, GAP_RISK, ROOT, SAFE_PERP, examples, solvent
from hypothesis import given
from hypothesis import strategies as st

from solvent import cli

# numbers as strings of any size and shape (the limit is 1000 digits by default)
NUMBER_TEXT = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-999, 999), st.integers(-(10**7), 10**7)),
    st.builds(lambda d, n: d * n, st.sampled_from("0987"), st.integers(1, 6000)),
    st.sampled_from(["", " ", "nan", "-inf", "1/0", "1/3", "0x10", "1_000", "--1", "1e", "∞"]),
    st.text(max_size=20),
)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    NUMBER_TEXT,
)
JSON = st.recursive(
    JSON_LEAF,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=12,
)


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


@pytest.fixture(scope="module")
def result_doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("fuzz") / "fail.json"
    assert cli.run(["bmc", str(GAP_RISK), "--depth", "3", "-q", "-o", str(path)]) == 1
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position inside a JSON document (for mutations)."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: Any, data: st.DataObject) -> Any:
    """Replace a few positions by numbers as text, JSON values, deep nesting, or delete them."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        spots = [p for p in _paths(doc) if p]
        if not spots:
            return data.draw(JSON)
        where = data.draw(st.sampled_from(spots), label="where")
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["number", "json", "delete", "deep"]), label="how")
        if action == "delete" and isinstance(parent, dict):
            del parent[where[-1]]
        elif action == "deep":
            parent[where[-1]] = json.loads(nested(data.draw(st.integers(1, 60))))
        elif action == "json":
            parent[where[-1]] = data.draw(JSON)
        else:
            parent[where[-1]] = data.draw(NUMBER_TEXT)
    return doc


def _text(doc: Any, data: st.DataObject) -> str:
    text = json.dumps(doc)
    trick = data.draw(st.sampled_from(["as is", "deep", "cut", "bigint"]), label="text")
    if trick == "deep":
        return nested(data.draw(st.sampled_from([65, 1000, 100_000])), text)
    if trick == "cut":
        return text[: data.draw(st.integers(0, len(text)))]
    if trick == "bigint":
        return text.replace('"-0.08"', "9" * data.draw(st.sampled_from([10, 4400, 20_000])), 1)
    return text


@examples(ci=14)
@given(data=st.data())
def test_fuzzed_traces_replay_and_shrink_cleanly(
    data: st.DataObject, tmp_path: Path, result_doc: dict[str, Any]
) -> None:
    trace = _mutate(result_doc["counterexample"], data)
    path = tmp_path / "trace.json"
    path.write_text(_text(trace, data))
    verb = data.draw(st.sampled_from(["replay", "replay", "shrink"]), label="verb")
    solvent([verb, GAP_RISK, path], bound=60, tag=f"trace:{verb}")


@examples(ci=8)
@given(data=st.data())
def test_fuzzed_result_files_report_cleanly(
    data: st.DataObject, tmp_path: Path, result_doc: dict[str, Any]
) -> None:
    doc = _mutate(result_doc, data)
    path = tmp_path / "result.json"
    path.write_text(_text(doc, data))
    solvent(["report", path, "-o", tmp_path / "r.html", "-q"], bound=60, tag="report")


CSV_CELL = st.one_of(
    NUMBER_TEXT,
    st.sampled_from(["2020-03-12T10:48:00Z", "2020-13-45", "1e30", "1584010080", "-1", ""]),
    st.text(alphabet='0123456789.,e-+:TZ" \n', max_size=12),
)


@examples(ci=14)
@given(
    header=st.sampled_from(
        ["timestamp,open,high,low,close", "timestamp,open,high,low,close,volume", "", "a,b"]
    ),
    rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=7), max_size=6),
    verb=st.sampled_from(["monitor-convert", "stress"]),
)
def test_fuzzed_history_csvs_are_read_or_refused_cleanly(
    tmp_path: Path, header: str, rows: list[list[str]], verb: str
) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n")
    if verb == "stress":
        argv = ["stress", SAFE_PERP, "--history", csv, "--paths", "3", "--confirm", "0"]
    else:
        argv = ["monitor-convert", csv, "-o", tmp_path / "e.jsonl"]
    solvent(argv, bound=90, tag=f"csv:{verb}")


TOML_VALUE = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e400", "0", "-0.0", "true", "[]", "{}", '"x"']),
    st.floats(allow_nan=True).map(
        lambda f: repr(f) if f == f and abs(f) != float("inf") else "nan"
    ),
    NUMBER_TEXT.map(json.dumps),
    st.lists(st.sampled_from(['"solvent"', '"below_cap"', "1", '""']), max_size=3).map(
        lambda xs: "[" + ", ".join(xs) + "]"
    ),
)
TOML_KEY = st.sampled_from(
    ["depth", "k", "max-k", "witness-depth", "timeout", "invariants", "params", "format",
     "quiet", "simplify", "slack", "targets", "spec", "unknown-key", "output"]
)  # fmt: skip


@examples(ci=14)
@given(table=st.lists(st.tuples(TOML_KEY, TOML_VALUE), max_size=4, unique_by=lambda kv: kv[0]))
def test_fuzzed_tool_solvent_tables_configure_or_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: list[tuple[str, str]]
) -> None:
    body = "\n".join(f"{k} = {v}" for k, v in table)
    (tmp_path / "pyproject.toml").write_text(f"[tool.solvent]\n{body}\n")
    monkeypatch.chdir(tmp_path)
    # depth and k bounded so a valid table answers fast; the table may still override them
    done = solvent(["bmc", COUNTER, "--depth", "2", "--timeout", "30"], bound=90, tag="toml")
    if done.code == 3:
        assert "pyproject.toml" in done.err or "error" in done.err


@pytest.mark.parametrize(
    ("name", "content", "verb"),
    [
        ("deep.json", nested(100_000), "replay"),
        ("big.json", '{"a": ' + "9" * 5000 + "}", "report"),
        ("events.jsonl", '{"type": "price", "seq": 1, "ts": 1, "price": "1e999999"}\n', "monitor"),
    ],
    ids=["deep-trace", "long-integer-result", "huge-price-event"],
)
def test_the_real_process_refuses_cleanly(
    tmp_path: Path, name: str, content: str, verb: str
) -> None:
    """A few cases through `python -m solvent` (the in-process runs cover the rest)."""
    import os
    import subprocess
    import sys

    path = tmp_path / name
    path.write_text(content)
    args = {
        "replay": [str(GAP_RISK), str(path)],
        "report": [str(path), "-o", str(tmp_path / "r.html")],
        "monitor": [str(SAFE_PERP), "--source", str(path), "--no-prove",
                    "--quarantine", str(tmp_path / "q")],
    }[verb]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "solvent", verb, *args],
        capture_output=True, text=True, timeout=120, env={**os.environ}, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode in (0, 1, 2, 3), done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    if verb == "monitor":
        assert "1 quarantined" in " ".join(done.stderr.split()), done.stderr
    else:
        assert done.returncode == 3 and done.stderr.startswith("error: "), done.stderr
