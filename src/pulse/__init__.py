"""Pulse ERP."""
