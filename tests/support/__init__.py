"""What the tests share: servers they start, waiting for readiness, ports, paths.

Test modules import helpers from here, never from another test module or a conftest.
"""
