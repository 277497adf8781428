"""Evotor cloud API v2 client (no Flask): ``EvotorClient`` returns dataclasses and raises ``EvotorError``."""

from .client import EvotorClient
from .errors import BadResponse, EvotorError, NotFound, RateLimited, RightsMissing, TokenInvalid, Unavailable
from .schemas import Product, ProductGroup, Store

__all__ = [
    "BadResponse",
    "EvotorClient",
    "EvotorError",
    "NotFound",
    "Product",
    "ProductGroup",
    "RateLimited",
    "RightsMissing",
    "Store",
    "TokenInvalid",
    "Unavailable",
]
