"""The transport contract as a test module, for any URL.

Run it with ``pytest --pyargs sdk.testing.suite --transport-url URL``.
"""

from __future__ import annotations

from .contracts import TransportContract


class TestTransport(TransportContract):
    """Every clause, on the transport the plugin's ``--transport-url`` names."""
