"""VK API client (no Flask): ``VkClient.call``, typed ``VkError``s, per-token rate limit, execute, uploads."""

from .batch import Batch, CallResult
from .client import VkClient
from .errors import (
    AccessDenied,
    BadResponse,
    Captcha,
    Flood,
    ItemError,
    MarketDisabled,
    RateLimit,
    ServerError,
    TokenInvalid,
    TooManyRequests,
    Unavailable,
    UnknownMethod,
    VkError,
)
from .ratelimit import Limiter, SlidingWindowLimiter, limiter_for_token, set_limiter_factory
from .schemas import MarketAlbum, MarketCategory, MarketItem, UploadedPhoto, VkGroup, VkUser
from .upload import PhotoUploader

__all__ = [
    "AccessDenied",
    "BadResponse",
    "Batch",
    "CallResult",
    "Captcha",
    "Flood",
    "ItemError",
    "Limiter",
    "MarketAlbum",
    "MarketCategory",
    "MarketDisabled",
    "MarketItem",
    "PhotoUploader",
    "RateLimit",
    "ServerError",
    "SlidingWindowLimiter",
    "TokenInvalid",
    "TooManyRequests",
    "Unavailable",
    "UnknownMethod",
    "UploadedPhoto",
    "VkClient",
    "VkError",
    "VkGroup",
    "VkUser",
    "limiter_for_token",
    "set_limiter_factory",
]
