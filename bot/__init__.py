"""Cầu Nối runtime: configuration, the conversation engine, channels and the composition root."""
