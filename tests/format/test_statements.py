"""Statements: a direction's statements without an object per statement, read as a sequence."""

from __future__ import annotations

from llm_proxy.format.grammar import Statement, Statements, parse_lines


def test_a_parsed_direction_reads_as_its_statements() -> None:
    parsed = parse_lines(["-- +goose Up", "SELECT 1;", "", "SELECT", "  2;", "-- +goose Down", "SELECT 3;"])
    up = parsed.up
    assert isinstance(up, Statements)
    assert len(up) == 2
    assert up[0] == Statement("SELECT 1;", 2) and up[-1] == Statement("SELECT\n  2;", 4)
    assert list(up) == [Statement("SELECT 1;", 2), Statement("SELECT\n  2;", 4)]
    assert up == [Statement("SELECT 1;", 2), Statement("SELECT\n  2;", 4)] and up != [Statement("SELECT 1;", 2)]
    assert parsed.down == (Statement("SELECT 3;", 7),)


def test_a_slice_is_statements_too() -> None:
    statements = Statements()
    for n in range(5):
        statements.append(f"SELECT {n};", n + 1)
    tail = statements[2:]
    assert isinstance(tail, Statements)
    assert [s.line for s in tail] == [3, 4, 5]
    assert statements[1:4:2] == [Statement("SELECT 1;", 2), Statement("SELECT 3;", 4)]
    assert statements[:0] == [] and not statements[:0]
    assert statements == statements[:] and statements != statements[1:]
