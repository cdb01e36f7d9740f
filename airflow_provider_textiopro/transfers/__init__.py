"""Transfers: move data from other systems into TextioPro."""
