#!/usr/bin/env python3
"""A stand-in MCP server shipped in the pack."""
