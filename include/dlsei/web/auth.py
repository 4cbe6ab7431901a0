"""Who may see the /dlsei pages: a user signed in to Airflow, allowed the plugin's view by Airflow's auth manager.

Airflow mounts a plugin's FastAPI app without its own authentication, so every route depends on `signed_in_user`.
It resolves the user exactly as Airflow's own API does (`get_user`: the bearer token, else the UI's `_token`
cookie) and asks the configured auth manager (SimpleAuthManager, FAB, ...) whether that user may see the custom
view `VIEW_NAME`: no token is 401, an invalid token or a user without the right is 403. A user the setting
AIRFLOW_VAR_DLSEI_DASHBOARD_COORDINATORS lists (a university's coordinator) opens the pages of their own
universities only, and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import HTTPException, Request, status

from dlsei.settings import load_settings

if TYPE_CHECKING:
    from airflow.api_fastapi.auth.managers.models.base_user import BaseUser

VIEW_NAME = "DLSEI seat utilisation"


async def signed_in_user(request: Request) -> BaseUser:
    # Every Airflow component loads the plugin; the API's security module costs seconds to import, so it is imported
    # on the first request, in the api-server only.
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    user = await get_user(request, None, await bearer_scheme(request))
    if not get_auth_manager().is_authorized_custom_view(method="GET", resource_name=VIEW_NAME, user=user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.get_name()} may not see {VIEW_NAME}")
    own = load_settings().coordinator_universities(user.get_name())
    # Only a university's page and its CSV carry a university_id: every other route is closed to a coordinator.
    if own is not None and request.path_params.get("university_id") not in own:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.get_name()} may see their own universities only")
    return user
