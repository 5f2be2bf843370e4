"""The conformance kit: public hypothesis strategies (more of the kit comes with the SPI).

Needs the ``testing`` extra (hypothesis).
"""
