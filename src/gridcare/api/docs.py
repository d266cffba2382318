"""A server-rendered page of the OpenAPI schema: readable without JavaScript and without any CDN."""

from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(schema: dict) -> list[dict]:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append({
                "path": path,
                "method": method.upper(),
                "id": operation.get("operationId", ""),
                "summary": operation.get("summary") or operation.get("description", ""),
                "parameters": operation.get("parameters", []),
                "request": list(operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).values()),
                "responses": [
                    {"status": code, "description": response.get("description", ""),
                     "schema": next(iter(response.get("content", {}).get("application/json", {}).get("schema", {}).values()), "")}
                    for code, response in operation.get("responses", {}).items()
                ],
                "tags": operation.get("tags", []),
            })  # fmt: skip
    return operations


@require_GET
def docs_view(request):
    """The API reference, generated from the same schema as /api/v1/schema/."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    context = {
        "info": schema.get("info", {}),
        "operations": _operations(schema),
        "components": sorted(components.items()),
    }
    return TemplateResponse(request, "api/docs.html", context)
