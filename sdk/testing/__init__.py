"""The conformance kit: the contracts of ``sdk.types`` as tests anyone runs on their own code.

- ``strategies``: hypothesis strategies of what flows through channels and transports;
- ``contracts``: the mixins ``CodecContract``, ``ChannelContract``, ``TransportContract`` and
  ``AppContract`` (from ``apps``: what ``sdk.App`` promises on a transport);
- ``clauses`` and ``machine``: the transport contract's clauses and its state machine;
- ``reading.take``: the next few events of a channel or topic, bounded in time;
- ``plugin``: the pytest plugin (``--transport-url``, ``--kit-profile``); ``suite``: the
  contract as a test module; ``python -m sdk.testing URL`` prints a table of every clause.

Needs the ``testing`` extra (hypothesis, pytest).
"""
