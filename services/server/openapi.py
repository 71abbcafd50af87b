"""The OpenAPI description of the server, built from the wire models."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ..contract.wire import MODELS, RemoveBgAnswer, RemoveBgRequest, Status

_REF = "#/components/schemas/{model}"


@cache
def openapi_schema() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(RemoveBgRequest, "validation"), (RemoveBgAnswer, "serialization")],
        by_alias=True,
        ref_template=_REF,
    )
    schemas["$defs"]["Error"] = {
        "type": "object",
        "properties": {
            "status": {"$ref": _REF.format(model=Status.__name__)},
            "statistics": {"type": "object", "additionalProperties": True},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Remove Background", "version": "1.0"},
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
        "security": [{"token": []}],
        "paths": {
            "/removebg/{model}/removebg": _remove_path(),
            "/outputs/{key}": _output_path(),
            "/health": {
                "get": {
                    "summary": "Liveness and queue",
                    "security": [],
                    "responses": {"200": {"description": "OK"}},
                }
            },
        },
    }


def _remove_path() -> dict[str, Any]:
    errors = {
        "400": "malformed call",
        "401": "missing or wrong token",
        "408": "the body arrived too slowly",
        "411": "no Content-Length",
        "413": "body too large",
        "429": "the line is too long; see Retry-After",
        "503": "too many requests at once; see Retry-After",
    }
    responses: dict[str, Any] = {
        code: {"description": text, "content": _json("Error")} for code, text in errors.items()
    }
    responses["200"] = {"description": "processed", "content": _json(RemoveBgAnswer.__name__)}
    return {
        "post": {
            "summary": "Remove the background of each record",
            "parameters": [
                {
                    "name": "model",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": list(MODELS)},
                },
            ],
            "requestBody": {"required": True, "content": _json(RemoveBgRequest.__name__)},
            "responses": responses,
        }
    }


def _output_path() -> dict[str, Any]:
    return {
        "get": {
            "summary": "An output image, until it expires (OUTPUT_TTL_SECONDS; 24 h by default)",
            "security": [],
            "parameters": [
                {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "the image"},
                "404": {"description": "unknown or expired", "content": _json("Error")},
            },
        }
    }


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}
