"""Reads an iin release folder with the clients its users have: openpyxl
for the workbooks, the sqlite3 shell for the database, networkx for the
graphs. Exits non-zero, naming the file, on the first thing they cannot
read as the CSV tables say they should.

Run by the test suite when IIN_CLIENT_PYTHON names a Python with openpyxl
and networkx (.ci/run makes one):  python check_release.py RELEASE_DIR
"""
import csv
import pathlib
import subprocess
import sys

import networkx
import openpyxl


def fail(message):
    print("client check failed: " + message)
    sys.exit(1)


def main(release):
    checked = 0
    for table in sorted(release.rglob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        workbook_path = table.with_suffix(".xlsx")
        workbook = openpyxl.load_workbook(workbook_path, read_only=True)
        if workbook.sheetnames != ["Sheet1"]:
            fail(f"{workbook_path.name}: sheets {workbook.sheetnames}")
        sheet_rows = list(workbook["Sheet1"].iter_rows(values_only=True))
        if [str(cell) for cell in sheet_rows[0]] != rows[0]:
            fail(f"{workbook_path.name}: header {sheet_rows[0]} is not {rows[0]}")
        if len(sheet_rows) != len(rows):
            fail(f"{workbook_path.name}: {len(sheet_rows) - 1} data rows, the CSV has {len(rows) - 1}")
        checked += 1

    metric = list(csv.DictReader((release / "Three network metric dataset.csv").open(encoding="utf-8")))
    top = min((row for row in metric if row["InvestmentYear"] == "2020"), key=lambda row: (int(row["Rank_node"]), row["CityCode"]))
    query = ("SELECT CityCode || ',' || NodeDegree FROM three_network_metric_dataset "
             "WHERE InvestmentYear = 2020 ORDER BY Rank_node, CityCode LIMIT 1;")
    answer = subprocess.run(["sqlite3", str(release / "IIN.sqlite"), query], capture_output=True, text=True, check=True).stdout.strip()
    if answer != f"{top['CityCode']},{top['NodeDegree']}":
        fail(f"IIN.sqlite: the top city of 2020 is {answer}, the CSV says {top['CityCode']},{top['NodeDegree']}")

    directed = list(csv.DictReader((release / "Directed intercity investment network dataset.csv").open(encoding="utf-8")))
    for graph_path in sorted((release / "graphml").glob("investment-*.graphml")):
        year = graph_path.stem.split("-")[1]
        graph = networkx.read_graphml(graph_path)
        edges = sum(1 for row in directed if row["InvestmentYear"] == year)
        nodes = sum(1 for row in metric if row["InvestmentYear"] == year)
        if graph.number_of_edges() != edges or graph.number_of_nodes() != nodes:
            fail(f"{graph_path.name}: {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges, the tables say {nodes} and {edges}")
    print(f"client check passed: {checked} workbooks (openpyxl), IIN.sqlite (sqlite3 shell), GraphML (networkx)")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
