"""How much of a transport's wrongness the conformance kit catches, measured by mutation.

``python -m mutation`` (or ``make mutation``) makes small faults in a reference transport's
source, one at a time (``mutants``), runs the kit on each in a fresh interpreter (``worker``)
and counts the mutants it kills (``harness``), by file and profile (``report``). A surviving
mutant is either equivalent, behaviour the contract allows (``verdicts`` says why), or a gap
the kit should close. Not part of the ``sdk`` package: it is a tool for the kit's authors.
"""
