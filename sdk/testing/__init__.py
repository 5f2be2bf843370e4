"""The conformance kit: hypothesis strategies and contract mixins to run against your code.

``strategies`` generates what flows through channels; ``contracts`` holds the mixins
(``CodecContract`` and ``ChannelContract`` so far). Needs the ``testing`` extra
(hypothesis, pytest).
"""
