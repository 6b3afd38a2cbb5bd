"""The love supermarket through the API."""

from ninja import Router

router = Router(tags=["爱心超市"])
