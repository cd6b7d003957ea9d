"""Reads an iin release folder with the clients its users have: openpyxl
for the workbooks, the sqlite3 shell for the database, networkx for the
graphs. Exits non-zero, naming the file, on the first thing they cannot
read as the CSV tables say they should.

Run by the test suite when IIN_CLIENT_PYTHON names a Python with openpyxl,
networkx and leidenalg (.ci/run makes one):  python check_release.py RELEASE_DIR
"""
import csv
import html.parser
import json
import pathlib
import subprocess
import sys

import frictionless
import igraph
import leidenalg
import networkx
import openpyxl


def fail(message):
    print("client check failed: " + message)
    sys.exit(1)


# docs/outputs.md: each workbook's one sheet says what it holds, within
# Excel's 31 characters.
SHEET_NAMES = {
    "Directed intercity investment network dataset": "Directed intercity",
    "Directed intercity investment network dataset (including intracity investment)": "Directed incl. intracity",
    "Undirected intercity investment network dataset": "Undirected intercity",
    "Undirected intercity investment network dataset (including intracity investment)": "Undirected incl. intracity",
    "Three network metric dataset": "Network metrics",
}


def main(release):
    checked = 0
    for table in sorted(release.rglob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        workbook_path = table.with_suffix(".xlsx")
        workbook = openpyxl.load_workbook(workbook_path, read_only=True)
        expected_sheet = SHEET_NAMES.get(table.stem, table.stem[:31])
        if workbook.sheetnames != [expected_sheet]:
            fail(f"{workbook_path.name}: sheets {workbook.sheetnames}, expected [{expected_sheet!r}]")
        sheet_rows = list(workbook[expected_sheet].iter_rows(values_only=True))
        if [str(cell) for cell in sheet_rows[0]] != rows[0]:
            fail(f"{workbook_path.name}: header {sheet_rows[0]} is not {rows[0]}")
        if len(sheet_rows) != len(rows):
            fail(f"{workbook_path.name}: {len(sheet_rows) - 1} data rows, the CSV has {len(rows) - 1}")
        compare_cells(workbook_path.name, rows, sheet_rows)
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
    check_report(release)
    # Every resource of the data package, foreign keys to CityInfo included.
    report = frictionless.validate(str(release / "datapackage.json"))
    if not report.valid:
        errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors][:10]
        fail(f"datapackage.json: frictionless finds {report.stats['errors']} errors: {errors}")
    print(f"client check passed: {checked} workbooks (openpyxl), IIN.sqlite (sqlite3 shell), GraphML (networkx), "
          "validation.html (html.parser), Leiden modularity (networkx) and fixed point (leidenalg), "
          f"datapackage.json (frictionless: {report.stats['tasks']} resources valid)")


def is_text_column(name):
    """outputs.md: codes, keys, names and labels are strings in the
    workbooks (so Excel neither sums codes nor drops their zeros); every
    other column is a number."""
    return (name.endswith(("Code", "Key", "_CN", "_EN"))
            or name in ("CityDyad", "Type", "File", "Level", "LinkType"))


def compare_cells(workbook, rows, sheet_rows):
    """Every cell of the workbook against the CSV: the same value, stored
    as a number where the contract has a number and as text where it has
    text; an empty CSV cell is an empty workbook cell."""
    header = rows[0]
    text_columns = [is_text_column(name) for name in header]
    for number, (row, cells) in enumerate(zip(rows[1:], sheet_rows[1:]), start=2):
        cells = list(cells) + [None] * (len(header) - len(cells))
        if len(row) != len(header) or len(cells) != len(header):
            fail(f"{workbook}: row {number} has {len(cells)} cells, the CSV {len(row)}, the header {len(header)}")
        for column, (want, got) in enumerate(zip(row, cells)):
            where = f"{workbook}: {header[column]} of row {number}"
            if want == "":
                if got not in (None, ""):
                    fail(f"{where} is {got!r}, the CSV cell is empty")
            elif text_columns[column]:
                if not isinstance(got, str) or got != want:
                    fail(f"{where} is {got!r} ({type(got).__name__}), the CSV has the text {want!r}")
            else:
                if isinstance(got, bool) or not isinstance(got, (int, float)):
                    fail(f"{where} is {got!r} ({type(got).__name__}), the CSV has the number {want}")
                if float(want) != float(got):
                    fail(f"{where} is {got!r}, the CSV has {want}")


class PageReader(html.parser.HTMLParser):
    """Collects section ids, chart names and anything that would fetch."""

    def __init__(self):
        super().__init__()
        self.sections, self.charts, self.fetches = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "svg" and "data-chart" in attrs:
            self.charts.append(attrs["data-chart"])
        # A reference to a shape on the page itself (<use href="#city-…">)
        # fetches nothing; any other src or href would.
        local = attrs.get("href", "").startswith("#") and "src" not in attrs
        if tag in ("script", "link", "img", "iframe") or (("src" in attrs or "href" in attrs) and not local):
            self.fetches.append(tag)


def check_report(release):
    report = json.loads((release / "validation.json").read_text(encoding="utf-8"))
    page = PageReader()
    page.feed((release / "validation.html").read_text(encoding="utf-8"))
    if len(page.sections) < 14 or "map-communities" not in page.charts or page.fetches:
        fail(f"validation.html: sections {page.sections}, charts {page.charts}, fetching tags {page.fetches[:10]}")
    # The modularity of the reported communities, recomputed by networkx
    # from the published undirected table.
    undirected = list(csv.DictReader((release / "Undirected intercity investment network dataset.csv").open(encoding="utf-8")))
    slices = report["sections"]["communities"]["slices"]
    if [slice_["year"] for slice_ in slices] != sorted({int(row["InvestmentYear"]) for row in undirected}):
        fail(f"validation.json: community slices {[slice_['year'] for slice_ in slices]} are not the undirected table's years")
    for slice_ in slices:
        year = str(slice_["year"])
        graph = networkx.Graph()
        for row in undirected:
            if row["InvestmentYear"] == year:
                graph.add_edge(row["CityACode"], row["CityBCode"], weight=int(row["InvestmentFrequency"]))
        groups = {}
        for city, community in slice_["membership"].items():
            groups.setdefault(community, set()).add(city)
        theirs = networkx.algorithms.community.modularity(graph, groups.values(), weight="weight")
        if abs(theirs - slice_["modularity"]) > 1e-9:
            fail(f"validation.json: {year} modularity {slice_['modularity']}, networkx computes {theirs}")
        check_leiden_fixed_point(year, graph, slice_)


def check_leiden_fixed_point(year, graph, slice_):
    """leidenalg's optimiser, started from the reported partition, must
    find nothing better: the partition is a fixed point of Leiden."""
    names = sorted(graph.nodes)
    index = {name: position for position, name in enumerate(names)}
    copy = igraph.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in graph.edges])
    copy.es["weight"] = [graph.edges[a, b]["weight"] for a, b in graph.edges]
    partition = leidenalg.ModularityVertexPartition(copy, initial_membership=[slice_["membership"][name] for name in names], weights="weight")
    optimiser = leidenalg.Optimiser()
    optimiser.set_rng_seed(1)
    gain = optimiser.optimise_partition(partition, n_iterations=-1)
    after = copy.modularity(partition.membership, weights="weight")
    if gain > 1e-9 and after > slice_["modularity"] + 1e-9:
        fail(f"validation.json: {year} modularity {slice_['modularity']} is not a Leiden fixed point: leidenalg raises it to {after}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
