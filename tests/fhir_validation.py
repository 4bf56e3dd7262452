"""Validate an exported FHIR Bundle twice, as two kinds of receiving system would.

1. The fhir.resources library (its R4B models, the R4-compatible set it ships) parses it.
2. The official FHIR R4 JSON schema (HL7's fhir.schema.json, draft-06, vendored under
   tests/vendor/fhir-r4-schema with its licence) accepts it, through the jsonschema package.

Either failure raises; ``validate_both`` returns the Bundle as a dict.
"""

import json
from functools import lru_cache
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from jsonschema import Draft6Validator

SCHEMA_PATH = Path(__file__).parent / "vendor" / "fhir-r4-schema" / "fhir.schema.json"


@lru_cache(maxsize=1)
def r4_validator() -> Draft6Validator:
    """Return a validator of the official R4 schema, checked once per process."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def schema_errors(bundle: dict) -> list[str]:
    """Return what the R4 JSON schema finds wrong in a Bundle, resource by resource."""
    validator = r4_validator()
    errors = [f"Bundle: {error.message}" for error in validator.iter_errors(
        {key: value for key, value in bundle.items() if key != "entry"})]
    # The schema's root is a oneOf over every resource type: validating each entry's resource
    # against its own definition gives errors a person can read, and is much faster.
    for index, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource", {})
        kind = resource.get("resourceType")
        definition = {"$ref": f"#/definitions/{kind}",
                      "definitions": validator.schema["definitions"]}
        if kind not in validator.schema["definitions"]:
            errors.append(f"entry {index}: unknown resourceType {kind!r}")
            continue
        sub = Draft6Validator(definition)
        errors += [f"entry {index} ({kind}) {list(error.absolute_path)}: {error.message}"
                   for error in sub.iter_errors(resource)]
        entry_rest = {key: value for key, value in entry.items() if key != "resource"}
        errors += [f"entry {index}: {error.message}" for error in Draft6Validator(
            {"$ref": "#/definitions/Bundle_Entry", "definitions": validator.schema["definitions"]}
        ).iter_errors(entry_rest)]
    return errors


def validate_both(text: str | bytes | dict) -> dict:
    """Return the Bundle as a dict after both validators accepted it; raise otherwise."""
    bundle = text if isinstance(text, dict) else json.loads(text)
    Bundle.model_validate(bundle)
    errors = schema_errors(bundle)
    if errors:
        raise AssertionError("FHIR R4 JSON schema: " + "; ".join(errors[:10]))
    return bundle
