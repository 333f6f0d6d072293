"""Factories the gateway tests share."""
