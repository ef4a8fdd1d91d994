"""Test kit (never in the wheel): the in-process fake kube API server, the fault-injecting Hubble server and the
builders of pb flows. Tests import it as `support.<module>` (tests/conftest.py puts tests/ on sys.path)."""
