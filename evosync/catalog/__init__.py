"""The cached Evotor catalog, its browser and the include/exclude rules."""
