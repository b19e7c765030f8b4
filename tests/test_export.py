"""The machine-readable catalog: its records fit the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gradref
from gradref.catalog import errata
from gradref.record import entry_record, erratum_record

jsonschema = pytest.importorskip("jsonschema")

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "_static" / "catalog.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator(definition: str):
    schema = {**SCHEMA, "$ref": f"#/$defs/{definition}"}
    for key in ("required", "properties", "additionalProperties", "type"):
        schema.pop(key, None)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def _one_of_each_kind():
    """An identity of each family, and of each kind and Hessian form (the records' shapes).

    Every record is verified by the docs build, and tests/test_site.py validates the whole
    published catalog.json; here, one of each keeps `nox -s tests` fast.
    """
    chosen = {}
    for identity in gradref.catalog():
        hessian = "callable" if callable(identity.hessian) else str(identity.hessian)
        for key in (identity.family, identity.kind, hessian, bool(identity.mistakes)):
            chosen.setdefault(key, identity)
    return sorted({i.id: i for i in chosen.values()}.values(), key=lambda i: i.id)


@pytest.mark.parametrize("identity", _one_of_each_kind(), ids=lambda i: i.id)
def test_entry_records_fit_the_schema(identity):
    record = json.loads(json.dumps(entry_record(identity)))  # as catalog.json holds it
    _validator("identity").validate(record)


@pytest.mark.parametrize("erratum", errata(), ids=lambda e: e.id)
def test_every_erratum_record_fits_the_schema(erratum):
    _validator("erratum").validate(json.loads(json.dumps(erratum_record(erratum))))


def test_the_schema_can_fail():
    record = json.loads(json.dumps(entry_record(gradref.get("linear.inner"))))
    record["verification"]["max_rel_error"] = "small"
    with pytest.raises(jsonschema.ValidationError, match="small"):
        _validator("identity").validate(record)
    del record["verification"]
    with pytest.raises(jsonschema.ValidationError, match="verification"):
        _validator("identity").validate(record)
