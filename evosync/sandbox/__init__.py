"""Local emulation of the Evotor cloud API + OAuth and the VK API + VK ID, for tests, the demo and benchmarks."""

from .app import create_sandbox_app

__all__ = ["create_sandbox_app"]
