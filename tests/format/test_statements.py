"""Statements: a direction's statements without an object per statement, read as a sequence."""

from __future__ import annotations

import pytest

from llm_proxy.format import statements as module
from llm_proxy.format.grammar import parse_lines
from llm_proxy.format.statements import Statement, Statements


def test_a_parsed_direction_reads_as_its_statements() -> None:
    parsed = parse_lines(["-- +goose Up", "SELECT 1;", "", "SELECT", "  2;", "-- +goose Down", "SELECT 3;"])
    up = parsed.up
    assert isinstance(up, Statements)
    assert len(up) == 2
    assert up[0] == Statement("SELECT 1;", 2) and up[-1] == Statement("SELECT\n  2;", 4)
    assert list(up) == [Statement("SELECT 1;", 2), Statement("SELECT\n  2;", 4)]
    assert up == [Statement("SELECT 1;", 2), Statement("SELECT\n  2;", 4)] and up != [Statement("SELECT 1;", 2)]
    assert parsed.down == (Statement("SELECT 3;", 7),)


def test_a_slice_is_statements_over_the_same_texts() -> None:
    statements = Statements(Statement(f"SELECT {n};", n + 1) for n in range(5))
    tail = statements[2:]
    assert isinstance(tail, Statements)
    assert [s.line for s in tail] == [3, 4, 5] and tail[0] == Statement("SELECT 2;", 3) and tail[-1].line == 5
    assert tail[1:] == [Statement("SELECT 3;", 4), Statement("SELECT 4;", 5)]
    assert statements[1:4:2] == [Statement("SELECT 1;", 2), Statement("SELECT 3;", 4)]
    assert statements[:0] == [] and not statements[:0] and statements[4:2] == []
    assert statements == statements[:] and statements != statements[1:]


def test_texts_across_chunks_read_back_whole_and_make_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_CHUNK", 20)  # a chunk every two or three statements
    texts = [f"INSERT INTO t VALUES ({n});" if n % 3 else f"SELECT\n  {n};" for n in range(40)] + [""]
    statements = Statements(Statement(text, line) for line, text in enumerate(texts, 1))
    assert len(statements._texts.chunks) > 10
    assert [s.text for s in statements] == texts
    assert [statements[i].text for i in range(len(texts))] == texts
    assert "".join(statements.script_parts()) == "".join(f"{text}\n" for text in texts)
    middle = statements[7:29]
    assert "".join(middle.script_parts()) == "".join(f"{text}\n" for text in texts[7:29])
    assert [s.line for s in middle] == list(range(8, 30))


def test_full_chunks_are_kept_compressed_and_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_CHUNK", 1000)
    texts = [f"INSERT INTO t VALUES ({n}, 'row {n}');" for n in range(500)]
    statements = Statements(Statement(text, line) for line, text in enumerate(texts, 1))
    assert statements[250] == Statement(texts[250], 251) and statements[3] == Statement(texts[3], 4)
    assert [s.text for s in statements[100:400]] == texts[100:400]
    assert "".join(statements[1:].script_parts()) == "".join(f"{text}\n" for text in texts[1:])
    [*full, last] = statements._texts.chunks
    assert full and all(isinstance(chunk, bytes) for chunk in full) and isinstance(last, str)
    assert sum(map(len, full)) * 5 < sum(len(text) + 1 for text in texts)  # SQL compresses well


def test_any_text_reads_back_from_a_compressed_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_CHUNK", 100)
    texts = [f"INSERT INTO t VALUES ('{text} {n}');" for n in range(30) for text in ("café", "字", "😀", "caf\udce9")]
    statements = Statements(Statement(text, line) for line, text in enumerate(texts, 1))
    assert [s.text for s in statements] == texts
    assert any(isinstance(chunk, bytes) for chunk in statements._texts.chunks)


def test_a_small_direction_is_never_compressed() -> None:
    parsed = parse_lines(["-- +goose Up", *(f"SELECT {n};" for n in range(100)), "-- +goose Down", "SELECT 0;"])
    assert isinstance(parsed.up, Statements) and len(parsed.up) == 100
    "".join(parsed.up.script_parts())
    assert all(isinstance(chunk, str) for chunk in parsed.up._texts.chunks)


@pytest.mark.parametrize(("max_chars", "max_count"), [(1, 100), (25, 100), (60, 3), (10_000, 7), (10_000, 1000)])
def test_spans_cut_the_statements_within_both_bounds(monkeypatch: pytest.MonkeyPatch, max_chars: int, max_count: int) -> None:
    monkeypatch.setattr(module, "_CHUNK", 50)  # spans across compressed chunks
    texts = [f"SELECT {'x' * (n % 7)}{n};" if n % 11 else "" for n in range(60)] + ["SELECT '" + "y" * 80 + "';"]
    statements = Statements(Statement(text, line) for line, text in enumerate(texts, 1))

    spans = list(statements[1:].spans(max_chars, max_count))

    assert [s.text for span in spans for s in span] == texts[1:]
    assert all(len(span) == 1 or (len(span) <= max_count and sum(len(s.text) + 1 for s in span) <= max_chars) for span in spans)
    for span, following in zip(spans, spans[1:]):  # each span is as long as the bounds allow
        assert len(span) == max_count or sum(len(s.text) + 1 for s in [*span, following[0]]) > max_chars
