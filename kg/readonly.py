"""Read-only Cypher: an allow-list over the plan the engine itself parses, never a deny-list of words.

A query runs read-only only when (1) it is one statement, and (2) every operator of the plan that the engine
makes of it (`EXPLAIN`) is a reading operator, and every table function it calls is one that reads the graph
— so COPY, LOAD FROM files, INSTALL, ATTACH, CHECKPOINT, transactions, settings, procedures and writes are
refused whatever their spelling, and an operator this list does not know is refused too.
"""
from __future__ import annotations

import re


class ReadOnlyError(ValueError):
    """The query is not a single reading statement; the message says what was refused and why."""


# Reading operators of LadybugDB's physical plans (EXPLAIN), as measured on 0.22.
LADYBUG_OPERATORS = frozenset({
    "RESULT_COLLECTOR", "PROJECTION", "FILTER", "FLATTEN", "LIMIT", "SKIP", "MULTIPLICITY_REDUCER",
    "SCAN_NODE_TABLE", "SCAN_REL_TABLE", "PRIMARY_KEY_SCAN_NODE_TABLE", "INDEX_LOOKUP", "EXTEND",
    "RECURSIVE_EXTEND", "PATH_PROPERTY_PROBE", "SEMI_MASKER", "HASH_JOIN_BUILD", "HASH_JOIN_PROBE",
    "INTERSECT_BUILD", "INTERSECT", "CROSS_PRODUCT", "AGGREGATE", "AGGREGATE_FINALIZE", "AGGREGATE_SCAN",
    "ORDER_BY", "ORDER_BY_MERGE", "ORDER_BY_SCAN", "TOP_K", "TOP_K_SCAN", "UNION_ALL_SCAN", "UNWIND",
    "EMPTY_RESULT", "DUMMY_SCAN", "DUMMY_SINK", "TABLE_FUNCTION_CALL", "MARK_ACCUMULATE", "DISTINCT",
    "COUNT_REL_TABLE", "EXPRESSIONS_SCAN", "NODE_LABEL_FILTER", "QUERY_PRIMARY_KEY_LOOKUP",
})
# Table functions that read the graph or its catalogue (READ_FTABLE feeds UNWIND and path queries);
# file scans (READ_CSV…, READ_PARQUET…), settings and extension functions are not here.
LADYBUG_FUNCTIONS = frozenset({"READ_FTABLE", "SHOW_TABLES", "TABLE_INFO", "SHOW_CONNECTION", "DB_VERSION",
                               "SHOW_FUNCTIONS", "SHOW_INDEXES", "SHOW_WARNINGS"})

# Reading operators of Neo4j 5 plans (the `operatorType` of EXPLAIN, without its "@neo4j" suffix).
NEO4J_OPERATORS = frozenset({
    "ProduceResults", "Projection", "Filter", "Limit", "ExhaustiveLimit", "Skip", "Top", "Top1WithTies",
    "PartialTop", "Sort", "PartialSort", "Distinct", "OrderedDistinct", "Aggregation", "EagerAggregation",
    "OrderedAggregation", "Argument", "Apply", "SemiApply", "AntiSemiApply", "LetSemiApply",
    "LetAntiSemiApply", "SelectOrSemiApply", "SelectOrAntiSemiApply", "LetSelectOrSemiApply",
    "LetSelectOrAntiSemiApply", "RollUpApply", "ConditionalApply", "AntiConditionalApply", "Optional",
    "CartesianProduct", "NodeHashJoin", "ValueHashJoin", "LeftOuterHashJoin", "RightOuterHashJoin",
    "AllNodesScan", "NodeByLabelScan", "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan",
    "NodeByIdSeek", "NodeByElementIdSeek", "NodeIndexSeek", "NodeUniqueIndexSeek", "NodeIndexScan",
    "NodeIndexContainsScan", "NodeIndexEndsWithScan", "NodeIndexSeekByRange", "NodeUniqueIndexSeekByRange",
    "MultiNodeIndexSeek", "AssertingMultiNodeIndexSeek", "DirectedRelationshipTypeScan",
    "UndirectedRelationshipTypeScan", "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
    "DirectedRelationshipIndexSeek", "UndirectedRelationshipIndexSeek", "DirectedRelationshipIndexScan",
    "UndirectedRelationshipIndexScan", "DirectedRelationshipIndexContainsScan",
    "UndirectedRelationshipIndexContainsScan", "DirectedRelationshipIndexEndsWithScan",
    "UndirectedRelationshipIndexEndsWithScan", "DirectedRelationshipIndexSeekByRange",
    "UndirectedRelationshipIndexSeekByRange", "DirectedRelationshipByIdSeek", "UndirectedRelationshipByIdSeek",
    "DirectedRelationshipByElementIdSeek", "UndirectedRelationshipByElementIdSeek", "Expand(All)",
    "Expand(Into)", "OptionalExpand(All)", "OptionalExpand(Into)", "VarLengthExpand(All)",
    "VarLengthExpand(Into)", "VarLengthExpand(Pruning)", "VarLengthExpand(Pruning,BFS)",
    "VarLengthExpand(Pruning,BFS,All)", "VarLengthExpand(Pruning,BFS,Into)", "BFSPruningVarExpand",
    "ShowConstraints", "ShowIndexes", "ShowProcedures", "ShowFunctions",
    "ShortestPath", "StatefulShortestPath(All)", "StatefulShortestPath(Into)", "Repeat(Trail)",
    "NullifyMetadata", "Trail", "Unwind", "PartitionedUnwind", "Union", "OrderedUnion", "Eager", "CacheProperties",
    "AssertSameNode", "AssertSameRelationship", "EmptyResult", "Input", "ProjectEndpoints", "Anti",
    "NodeCountFromCountStore", "RelationshipCountFromCountStore", "TriadicSelection", "TriadicBuild",
    "TriadicFilter", "PartitionedAllNodesScan", "PartitionedNodeByLabelScan", "SubqueryForeach",
})

_TOKEN = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|//[^\n]*|/\*.*?\*/|;|[^'"`/;]+|/""", re.S)


def single_statement(query: str) -> str:
    """The query without a trailing `;`; refuses two statements (the second would run unchecked)."""
    parts, current = [], []
    for m in _TOKEN.finditer(query):
        tok = m.group(0)
        if tok == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(tok)
    parts.append("".join(current))
    statements = [p for p in parts if _code(p).strip()]
    if len(statements) != 1:
        raise ReadOnlyError("one statement at a time (found "
                            f"{len(statements)}); read-only queries are checked statement by statement")
    statement = statements[0].strip()
    if re.match(r"(?i)(explain|profile)\b", _code(statement).lstrip()):
        raise ReadOnlyError("EXPLAIN/PROFILE are not needed: write the query itself")
    return statement


def _code(text: str) -> str:
    """The text with comments removed (strings kept), to see what the statement starts with."""
    return "".join(t for t in (m.group(0) for m in _TOKEN.finditer(text)) if not t.startswith(("//", "/*")))


def check_ladybug_plan(plan: str) -> None:
    """Refuse a LadybugDB plan that holds any operator or table function outside the reading allow-list."""
    operators = set(re.findall(r"\b([A-Z][A-Z_]+)\[\d+\]", plan))
    functions = set(re.findall(r"Function:\s*([A-Z][A-Z_0-9]*)", plan))
    if not operators:
        raise ReadOnlyError("the engine gave no plan for the query; refused (use --write to run it anyway)")
    bad = sorted(operators - LADYBUG_OPERATORS) + sorted(functions - LADYBUG_FUNCTIONS)
    if bad:
        raise ReadOnlyError(f"not a read-only query (it would run {', '.join(bad)}); "
                            "rerun with --write if you mean to change the database")


def neo4j_operators(plan: dict | None) -> set[str]:
    """Every operator type of a Neo4j plan tree (EXPLAIN's summary.plan), without the '@neo4j' suffix."""
    found, stack = set(), [plan or {}]
    while stack:
        node = stack.pop()
        op = node.get("operatorType") or ""
        if op:
            found.add(op.split("@", 1)[0])
        stack.extend(node.get("children") or [])
    return found


def check_neo4j_plan(query_type: str | None, plan: dict | None) -> None:
    """Refuse a Neo4j query the server does not type as read-only ('r') or whose plan leaves the allow-list."""
    if query_type != "r":
        raise ReadOnlyError(f"not a read-only query (Neo4j types it {query_type!r}); "
                            "rerun with --write if you mean to change the database")
    bad = sorted(neo4j_operators(plan) - NEO4J_OPERATORS)
    if bad:
        raise ReadOnlyError(f"not allowed read-only (its plan runs {', '.join(bad)}); "
                            "rerun with --write if you mean it")
