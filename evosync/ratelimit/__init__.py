"""The per-token VK request limit shared through the app database by every process and host."""
