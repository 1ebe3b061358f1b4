"""Login, token refresh and the current user."""

from fastapi import APIRouter

router = APIRouter(prefix="/auth", tags=["auth"])
