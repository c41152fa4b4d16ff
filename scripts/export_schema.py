#!/usr/bin/env python3
"""Export one ARM resource type's JSON Schema (draft 2020-12) from the official Azure SDK for
Python models, in the shape of ../shared/azure/schemas/: `$defs` per model, `readOnly`,
`required`, `additionalProperties: false`, `x-known-values` for enums, `x-api-version` and
`x-sdk`. Handles both model styles (msrest `_attribute_map` with flattened `properties.x`
keys, and the newer `rest_field` models).

usage: export_schema.py MODULE MODEL TITLE API_VERSION PACKAGE_VERSION > schema.json
  e.g. export_schema.py azure.mgmt.msi.v2024_11_30.models Identity \
       microsoft.managedidentity/userassignedidentities 2024-11-30 "azure-mgmt-msi 7.1.0"
"""

import datetime
import enum
import importlib
import json
import sys
import typing

MODELS = None
DEFS = {}


def is_model(t):
    return isinstance(t, type) and (hasattr(t, "_attribute_map") or bool(rest_fields(t)))


def rest_fields(cls):
    """(attribute, field) of a new-style model, base classes first."""
    out = {}
    for c in reversed(cls.__mro__):
        for attr, v in vars(c).items():
            if type(v).__name__ == "_RestField":
                out[attr] = v
    return list(out.items())


def enum_schema(e):
    return {"type": "string", "x-known-values": sorted(str(m.value) for m in e)}


def msrest_type(s):
    """A msrest type string (`str`, `[Foo]`, `{str}`, `iso-8601`) -> schema."""
    if s.startswith("["):
        return {"items": msrest_type(s[1:-1]), "type": "array"}
    if s.startswith("{"):
        return {"additionalProperties": msrest_type(s[1:-1]), "type": "object"}
    simple = {"str": {"type": "string"}, "int": {"type": "integer"}, "long": {"type": "integer"},
              "bool": {"type": "boolean"}, "float": {"type": "number"}, "object": {},
              "iso-8601": {}, "rfc-1123": {}, "duration": {"type": "string"}, "bytearray": {"type": "string"}}
    if s in simple:
        return dict(simple[s])
    t = getattr(MODELS, s)
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return enum_schema(t)
    return ref(t)


def py_type(t):
    """A resolved Python annotation (new-style models) -> schema."""
    origin = typing.get_origin(t)
    args = [a for a in typing.get_args(t) if a is not type(None)]
    if origin is typing.Union:
        enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enums:
            return enum_schema(enums[0])
        return py_type(args[0])
    if origin is typing.Literal:
        return {"type": "string", "x-known-values": sorted(map(str, args))}
    if origin in (list, typing.List):
        return {"items": py_type(args[0]), "type": "array"}
    if origin in (dict, typing.Dict):
        return {"additionalProperties": py_type(args[1]), "type": "object"}
    if t is str:
        return {"type": "string"}
    if t is bool:
        return {"type": "boolean"}
    if t is int:
        return {"type": "integer"}
    if t is float:
        return {"type": "number"}
    if t in (datetime.datetime, datetime.date, typing.Any):
        return {}
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return enum_schema(t)
    if is_model(t):
        return ref(t)
    return {}


def ref(cls):
    if cls.__name__ not in DEFS:
        DEFS[cls.__name__] = None
        DEFS[cls.__name__] = model_schema(cls)
    return {"$ref": "#/$defs/" + cls.__name__}


def put(tree, path, schema, required, read_only):
    """Place a property at a (possibly flattened, dotted) path inside `tree`."""
    *parents, leaf = path
    node = tree
    for p in parents:
        node = node["properties"].setdefault(p, {"additionalProperties": False, "properties": {}, "type": "object"})
    if read_only:
        schema = dict(schema, readOnly=True)
    node["properties"][leaf] = schema
    if required:
        node.setdefault("required", []).append(leaf)


def model_schema(cls):
    out = {"additionalProperties": False, "properties": {}, "type": "object"}
    if hasattr(cls, "_attribute_map"):
        validation = getattr(cls, "_validation", {})
        for attr, m in cls._attribute_map.items():
            v = validation.get(attr, {})
            path = [k.replace("\\.", ".") for k in m["key"].replace("\\.", "\0").split(".")]
            path = [p.replace("\0", ".") for p in path]
            put(out, path, msrest_type(m["type"]), v.get("required"), v.get("readonly"))
    else:
        ns = dict(vars(sys.modules[cls.__module__]), _models=MODELS)
        hints = typing.get_type_hints(cls, ns)
        for attr, field in rest_fields(cls):
            vis = getattr(field, "_visibility", None) or []
            read_only = vis == ["read"]
            t = hints.get(attr, typing.Any)
            optional = type(None) in typing.get_args(t)
            name = field._rest_name_input or attr
            put(out, [name], py_type(t), not optional and not read_only, read_only)
    sort_required(out)
    return out


def sort_required(node):
    if "required" in node:
        node["required"].sort()
    for child in node.get("properties", {}).values():
        if "properties" in child:
            sort_required(child)


def main():
    global MODELS
    module, model, title, api_version, sdk = sys.argv[1:6]
    MODELS = importlib.import_module(module)
    ref(getattr(MODELS, model))
    doc = {
        "$defs": {k: DEFS[k] for k in sorted(DEFS)},
        "$ref": "#/$defs/" + model,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "x-api-version": api_version,
        "x-sdk": f"{sdk} ({model})",
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)



main()
