"""btiflow's door: an HTTP service over ``Engine`` with OpenAPI 3.1 (``btiflow[server]``).

The service is a thin shell: every rule, permission and access-log row comes from the engine
(the same calls a library user makes); a route only turns HTTP into those calls and their
answers and errors back into HTTP. Nothing else in ``btiflow`` imports this package.

``create_app(settings)`` builds the ASGI application; ``btiflow serve`` runs it under uvicorn.
"""

from btiflow.server.app import create_app
from btiflow.server.settings import Claims, Settings

__all__ = ["Claims", "Settings", "create_app"]
