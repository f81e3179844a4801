"""Print the service's OpenAPI document: ``python -m btiflow.server.openapi > docs/openapi.json``.

The document depends only on the code (not on a deployment's store, guide or identity
provider), so it is built here from an app on an in-memory store.
"""

from __future__ import annotations

import json
from typing import Any

from btiflow.server.app import create_app
from btiflow.server.settings import Settings


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, as the server serves it at ``/openapi/openapi.json``."""
    settings = Settings(
        store=":memory:",
        workflow="bti",
        issuer="https://idp.invalid/",
        audience="btiflow",
        jwks_url="https://idp.invalid/jwks",
    )
    app = create_app(settings)
    schema: dict[str, Any] = app.openapi_schema.to_schema()
    return schema


def main() -> None:
    print(json.dumps(document(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
