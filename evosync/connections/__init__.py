"""Evotor and VK connections: connect, disconnect, health."""
