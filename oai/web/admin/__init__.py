"""The admin pages (`/admin`) and their JSON API (`/api`), closed to anyone not logged in.

`oai.app` registers both: `app.register_blueprint(admin_blueprint())` and
`app.register_blueprint(api_blueprint())`.
"""

from __future__ import annotations

from oai.web.admin.blueprints import admin_blueprint, api_blueprint, human_time

__all__ = ["admin_blueprint", "api_blueprint", "human_time"]
