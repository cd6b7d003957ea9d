#!/usr/bin/env python3
"""Checks a JSON document against a JSON Schema (draft 2020-12), with the
jsonschema package (frictionless brings it into the client venv).

Usage: check_json.py SCHEMA DOCUMENT  (DOCUMENT '-' reads standard input)
Prints "valid" and exits 0, or prints every error and exits 1."""
import json
import sys

import jsonschema


def main(schema_path, document_path):
    schema = json.load(open(schema_path, encoding="utf-8"))
    document = json.load(sys.stdin if document_path == "-" else open(document_path, encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    for error in errors:
        print(f"{'/'.join(str(part) for part in error.path) or '(top)'}: {error.message[:300]}")
    if errors:
        sys.exit(1)
    print("valid")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
